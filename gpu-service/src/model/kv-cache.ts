// Per-sequence key/value cache: one growable [positions, numKv*headDim] buffer per layer for keys and values.
export class KvCache {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  /** Positions already written (the next token's position). */
  length = 0;
  private capacity: number;

  constructor(
    readonly numLayers: number,
    readonly kvDim: number,
    initialCapacity = 64,
  ) {
    this.capacity = initialCapacity;
    this.keys = Array.from({ length: numLayers }, () => new Float32Array(initialCapacity * kvDim));
    this.values = Array.from({ length: numLayers }, () => new Float32Array(initialCapacity * kvDim));
  }

  /** Makes room for `positions` positions in total, doubling so appends stay amortised O(1). */
  reserve(positions: number): void {
    if (positions <= this.capacity) return;
    let cap = this.capacity;
    while (cap < positions) cap *= 2;
    for (let l = 0; l < this.numLayers; l++) {
      const k = new Float32Array(cap * this.kvDim);
      k.set(this.keys[l]!.subarray(0, this.length * this.kvDim));
      this.keys[l] = k;
      const v = new Float32Array(cap * this.kvDim);
      v.set(this.values[l]!.subarray(0, this.length * this.kvDim));
      this.values[l] = v;
    }
    this.capacity = cap;
  }
}
