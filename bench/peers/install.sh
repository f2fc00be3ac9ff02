#!/usr/bin/env bash
# Installs the peer libraries of bench/rnn-peers.mjs into bench/peers/node_modules.
# This folder is its own npm project: `npm ci` in the repository root never installs it.
#
# onnxruntime-node's postinstall downloads CUDA provider binaries from NuGet (unreachable here and
# not needed: the CPU binaries ship in the npm package), so it is skipped.
#
# PyTorch, ONNX (to write the ONNX models) and OpenBLAS come from Debian, not npm:
#   apt-get install -y python3-torch python3-onnx python3-numpy libopenblas0-openmp
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
else
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
fi
node -e "for (const p of ['@tensorflow/tfjs','@tensorflow/tfjs-backend-wasm','onnxruntime-node','brain.js']) console.log(p, require(p + '/package.json').version)"
