// Loaded before every test file (see package.json "test"): poison fresh allocations so kernels
// that read unwritten memory fail loudly.
import { setAllocPoison } from '../src/backend/ref/buffer.js';

setAllocPoison(true);
