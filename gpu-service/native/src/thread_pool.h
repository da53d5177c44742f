// The CPU kernels' threads. A fork-join (OpenMP) team ends every parallel phase at a barrier that
// waits for each thread to arrive, so on a shared host a thread the OS has descheduled stalls the
// whole phase for a scheduler time slice (measured: a 2-layer decode step took ~130 ms with two
// OpenMP threads on two busy cores, ~8 ms with one). Here completion counts tasks, not threads: the
// caller works too, and a worker that wakes late finds nothing left and the caller never waits for it.
#pragma once
#include <cstdint>
#include <functional>

// Runs fn(i) for every i in [0, n) on the calling thread and the pool's workers and returns when all
// are done. Runs inline for n <= 1 and when called from inside a task. The first exception thrown by a
// task is rethrown here, after every task has finished.
void parallel_for(int64_t n, const std::function<void(int64_t)>& fn);

// Threads that run tasks, the caller included: OMP_NUM_THREADS, else the CPUs this process may use.
int pool_threads();
