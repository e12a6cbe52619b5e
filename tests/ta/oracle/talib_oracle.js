// talib_oracle.js -- runs TA-Lib functions for the parity tests.
//
// Reads a JSON array of jobs from the file named on the command line:
//   {"fn": "BBANDS", "inputs": [[...], ...], "options": [20, 2, 2, 0],
//    "outputs": 3}
// and writes a JSON array of results to stdout:
//   {"ret": 0, "begIdx": 19, "nbElement": 4981, "outputs": [[...], ...]}
// Each output array holds nbElement values, for bars begIdx .. begIdx+nb-1.
//
// talib.js 0.1.0 carries TA-Lib 0.4.0; its JavaScript wrapper passes wrong
// array bounds, so this calls the exported C functions through Module.ccall
// with startIdx 0, endIdx n-1 and real outBegIdx/outNBElement pointers.
// Inputs and options are passed in TA-Lib's own argument order.
'use strict';
const fs = require('fs');
const path = require('path');
const talib = require('talib.js');

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const wasm = path.join(path.dirname(require.resolve('talib.js')), 'talib.wasm');
  // Node 18+ has fetch(), which this emscripten build would use for a plain
  // path and fail; without it, it reads the file with fs.
  const savedFetch = globalThis.fetch;
  delete globalThis.fetch;
  const M = await talib.init(wasm);
  globalThis.fetch = savedFetch;
  const results = [];
  for (const job of jobs) {
    const n = job.inputs[0].length;
    const ptrs = [];
    const alloc = (bytes) => { const p = M._malloc(bytes); ptrs.push(p); return p; };
    const args = [0, n - 1];
    const types = ['number', 'number'];
    for (const col of job.inputs) {
      const p = alloc(8 * n);
      M.HEAPF64.set(Float64Array.from(col, (v) => (v === null ? NaN : v)), p / 8);
      args.push(p); types.push('number');
    }
    for (const o of job.options) { args.push(o); types.push('number'); }
    const beg = alloc(4), nb = alloc(4);
    M.HEAP32[beg / 4] = 0; M.HEAP32[nb / 4] = 0;
    args.push(beg, nb); types.push('number', 'number');
    const outs = [];
    for (let k = 0; k < job.outputs; k++) {
      const p = alloc(8 * n); outs.push(p);
      args.push(p); types.push('number');
    }
    const ret = M.ccall('TA_' + job.fn, 'number', types, args);
    const b = M.HEAP32[beg / 4], c = M.HEAP32[nb / 4];
    results.push({
      ret, begIdx: b, nbElement: c,
      outputs: outs.map((p) => Array.from(M.HEAPF64.subarray(p / 8, p / 8 + c))),
    });
    for (const p of ptrs) M._free(p);
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
