#!/usr/bin/env python3
"""Writes the ONNX models of the onnxruntime-node benchmark (bench/peers/ort_rnn.mjs) with
onnx.helper (Debian python3-onnx + python3-numpy): one LSTM node each, random fp32 weights, opset 14.

Usage: /usr/bin/python3 bench/peers/make_onnx.py OUTDIR
  lstm_seq.onnx  : X[128,32,64] -> Y[128,1,32,256], Y_h, Y_c (hidden 256)        W2
  lstm_step.onnx : X[1,1,64], H0[1,1,128], C0[1,1,128] -> Y_h, Y_c (hidden 128) W4
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 14
rng = np.random.default_rng(0)


def lstm_model(T, B, I, H, with_state):
    k = 1 / np.sqrt(H)
    W = rng.uniform(-k, k, (1, 4 * H, I)).astype(np.float32)
    R = rng.uniform(-k, k, (1, 4 * H, H)).astype(np.float32)
    Bias = rng.uniform(-k, k, (1, 8 * H)).astype(np.float32)
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"), numpy_helper.from_array(Bias, "B")]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, B, I])]
    node_in = ["X", "W", "R", "B", ""]  # no sequence_lens
    outputs = []
    if with_state:
        inputs += [helper.make_tensor_value_info("H0", TensorProto.FLOAT, [1, B, H]),
                   helper.make_tensor_value_info("C0", TensorProto.FLOAT, [1, B, H])]
        node_in += ["H0", "C0"]
        node_out = ["", "Y_h", "Y_c"]
    else:
        node_out = ["Y", "Y_h", "Y_c"]
        outputs.append(helper.make_tensor_value_info("Y", TensorProto.FLOAT, [T, 1, B, H]))
    outputs += [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, B, H]),
                helper.make_tensor_value_info("Y_c", TensorProto.FLOAT, [1, B, H])]
    node = helper.make_node("LSTM", node_in, node_out, hidden_size=H)
    graph = helper.make_graph([node], "lstm_bench", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    return model


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "models"
    os.makedirs(out, exist_ok=True)
    onnx.save(lstm_model(128, 32, 64, 256, False), os.path.join(out, "lstm_seq.onnx"))
    onnx.save(lstm_model(1, 1, 64, 128, True), os.path.join(out, "lstm_step.onnx"))
    print(f"# wrote {out}/lstm_seq.onnx, {out}/lstm_step.onnx (onnx {onnx.__version__}, numpy {np.__version__}, opset {OPSET})")


if __name__ == "__main__":
    main()
