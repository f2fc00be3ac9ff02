// Compiles the AssemblyScript kernels (kernels/) to two wasm binaries: kernels-mt.wasm imports a
// shared memory (worker threads), kernels.wasm a plain one (pages that are not cross-origin
// isolated). Both land next to the backend sources (for tests run from src/) and in dist/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const srcOut = join(root, 'src', 'backend', 'wasm');
const distOut = join(root, 'dist', 'backend', 'wasm');
mkdirSync(distOut, { recursive: true });

const common = ['kernels/index.ts', '--runtime', 'stub', '--importMemory', '--initialMemory', '32',
  '--maximumMemory', '32768', '--enable', 'simd', '-O3', '--noAssert'];
for (const [name, extra] of [['kernels-mt.wasm', ['--sharedMemory', '--enable', 'threads']], ['kernels.wasm', []]]) {
  execFileSync(process.execPath, [asc, ...common, ...extra, '-o', join(srcOut, name)], { cwd: root, stdio: 'inherit' });
  copyFileSync(join(srcOut, name), join(distOut, name));
}
// The worker is plain JS so that it runs unchanged from src/ (tests) and dist/.
copyFileSync(join(srcOut, 'worker.js'), join(distOut, 'worker.js'));
