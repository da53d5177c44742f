// One engine's run of the serving benchmark in its own process (bench/serve.ts starts it), so each
// engine's resident memory is its own and neither's threads compete with the other's.
//   tsx bench/serve/child.ts ENGINE PATH SPEC_JSON   → one JSON line: EngineRow[]
import { runConclave } from './conclave.js';
import type { EngineName, RunSpec } from './engine.js';
import { runLlamaCpp } from './llama-cpp.js';

const [engine, path, specJson] = process.argv.slice(2) as [EngineName, string, string];
const spec = JSON.parse(specJson) as RunSpec;
const rows = engine === 'conclave' ? await runConclave(path, spec) : await runLlamaCpp(path, spec);
console.log(JSON.stringify(rows));
