export { scanSequential } from './sequential.js';
export type { ScanStep, ScanStepResult, ScanResult, ScanOptions } from './sequential.js';
export { associativeScan } from './associative.js';
export type { Combine } from './associative.js';
export { chunkedScan } from './chunked.js';
export { linearRecurrence, linearRecurrenceRecurrent, linearRecurrenceFused, linearRecurrenceAssociative, linearRecurrenceChunked, linearCombine } from './linear.js';
export type { LinearRecurrenceOptions, LinearFormOptions, LinearImpl } from './linear.js';
