/**
 * recurrent: recurrent sequence models that train and run in Node.js and the browser.
 * This file is the curated public API; everything else is internal.
 *
 * @module recurrent
 */

// Tensors, lifetimes, randomness
export { Tensor, isTensor } from './tensor/tensor.js';
export type { NestedArray } from './tensor/tensor.js';
export type { DType, TypedArray, HostArray } from './tensor/dtype.js';
export { tidy, dispose } from './tensor/scope.js';
export { keep, memory } from './tensor/memory.js';
export type { MemoryInfo, Owned } from './tensor/memory.js';
export { Rng, seed } from './tensor/rng.js';

import { initDefaultBackend } from './backend/default.js';

// Backends
export { setBackend, getBackend, listBackends, registerBackend } from './backend/registry.js';
export type {
  Backend, Buffer, UnaryOp, BinaryOp, ReduceOp, Strided, MatmulArgs, NormArgs, Conv1dArgs, AdamArgs,
  CellKind, CellStepArgs, CellBackwardArgs, LinearScanArgs, Block2ScanArgs, LinearAttentionArgs, DeltaRuleArgs, GLAArgs,
} from './backend/types.js';
export { initWasm, setThreads, wasmInfo } from './backend/wasm/index.js';
export type { InitWasmOptions, WasmInfo } from './backend/wasm/index.js';

// Autodiff
export { grad, valueAndGrad, vjp, customGrad } from './autodiff/grad.js';
export type { ValueAndGrad, CustomGradResult } from './autodiff/grad.js';
export { noGrad, isRecording } from './tensor/tape.js';
export { gradcheck } from './autodiff/gradcheck.js';
export type { GradcheckOptions, GradcheckReport } from './autodiff/gradcheck.js';
export { treeLeaves, treeMap } from './autodiff/tree.js';
export type { TensorTree, MapTree } from './autodiff/tree.js';

// Ops (creation, movement, math, reductions, layers' functional forms, losses)
export {
  tensor, scalar, zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, randint,
  reshape, flatten, squeeze, unsqueeze, permute, transpose, slice, narrow, concat, stack, split,
  broadcastTo, indexSelect, gather, cast, clone,
  neg, abs, sign, exp, log, log1p, sqrt, rsqrt, square, reciprocal, sigmoid, logSigmoid, tanh,
  relu, leakyRelu, elu, selu, softplus, silu, gelu, erf, cos, sin,
  add, sub, mul, div, pow, maximum, minimum, greater, greaterEqual, less, lessEqual, equal, where, clamp,
  sum, mean, max, min, variance, logsumexp, argmax, cumsum, softmax, logSoftmax,
  matmul, linear, layerNorm, rmsNorm, l2Normalize, conv1d, dropout, alphaDropout, embedding,
  crossEntropy, mse, bce, bceWithLogits,
} from './ops/index.js';
export type {
  CreateOptions, RandomOptions, TensorLike, ReduceOptions, Conv1dOptions, DropoutOptions,
  CrossEntropyOptions, Reduction,
} from './ops/index.js';

// Layers, optimizers, serialisation
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
// Scans: sequential (the spec), associative, chunked, and the fused diagonal linear recurrence
export * as scan from './scan/index.js';
export { loadSafetensors, saveSafetensors, readSafetensorsMetadata } from './io/tensors.js';
export { loadReferenceLayers } from './io/reference-keys.js';
export type { ReferenceLoadReport } from './io/reference-keys.js';
export { parseSafetensors, serializeSafetensors } from './io/safetensors.js';
export type { SafetensorsContents } from './io/safetensors.js';

// Tasks, sequence models and the training loop (what the CLI runs)
export * as tasks from './tasks/index.js';
export * as models from './models/index.js';
export * as train from './train/index.js';
// The seed papers' experiments (what `recurrent reproduce` runs)
export * as reproduce from './reproduce/index.js';
// The option specs those registries declare (`listModels()[i].options`, `listTasks()[i].options`)
export type {
  OptionSpec, OptionSpecs, OptionValue, NumberOptionSpec, BooleanOptionSpec, ChoiceOptionSpec, StringOptionSpec,
} from './options.js';

// Errors
export {
  RecurrentError, ShapeError, DTypeError, ArgumentError, StateDictError, FormatError, DisposedError,
} from './errors.js';

// The wasm backend is the default wherever it loads; otherwise everything runs on ref.
await initDefaultBackend();
