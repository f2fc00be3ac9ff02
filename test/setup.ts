// Loaded before every test file (see package.json "test"). Selects the backend the suite runs on
// (RECURRENT_BACKEND=ref|wasm, default wasm) and poisons fresh allocations so kernels that read
// unwritten memory fail loudly.
import { setAllocPoison } from '../src/backend/ref/buffer.js';
import { setBackend } from '../src/index.js';
import { defaultBackendFailure } from '../src/backend/default.js';

const want = process.env.RECURRENT_BACKEND ?? 'wasm';
if (want === 'wasm' && defaultBackendFailure()) throw new Error(`wasm backend failed to load: ${defaultBackendFailure()}`);
setBackend(want);
setAllocPoison(true);
