#!/usr/bin/env python3
"""Golden fixtures for the classic recurrent layers (nn.RNN, nn.GRU, nn.LSTM) from PyTorch.

  rnn_fixtures.py write [DIR]   writes DIR/<name>.safetensors for every configuration
                                (default DIR: test/fixtures/rnn)
  rnn_fixtures.py check [DIR]   regenerates in memory and fails unless every file in DIR is
                                byte-identical (determinism / staleness check)

Each file holds, in float64 (F64): every parameter as `param.<pytorch name>`, the inputs `x`,
`h0` (`c0`), the outputs `out`, `hn` (`cn`), random cotangents `cot.out`, `cot.hn` (`cot.cn`),
and the gradients of loss = sum(out*cot.out) + sum(hn*cot.hn) (+ sum(cn*cot.cn)) as `grad.x`,
`grad.h0` (`grad.c0`) and `grad.param.<name>`. Configurations with variable lengths also hold
`lengths` (I32, shape [B]). The layer configuration is in `__metadata__` (all values strings).

Run with Debian's /usr/bin/python3 (python3-torch); the safetensors format is written by hand
(see safetensors_fixture.py).
"""
import os
import sys

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_fixture import parse, serialize  # noqa: E402

I, H, B, T = 5, 6, 3, 4

# name, mode, constructor options, overrides (seq_len, lengths). Seeds are the list index + 1000.
CONFIGS = [
    ("rnn_tanh", "RNN_TANH", {}, {}),
    ("rnn_relu", "RNN_RELU", {}, {}),
    ("gru", "GRU", {}, {}),
    ("lstm", "LSTM", {}, {}),
    ("lstm_proj", "LSTM", {"proj_size": 4}, {}),
    ("lstm_2layer_bidir", "LSTM", {"num_layers": 2, "bidirectional": True}, {}),
    ("gru_2layer_bidir_batchfirst", "GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}, {"T": 5}),
    ("rnn_tanh_nobias", "RNN_TANH", {"bias": False}, {}),
    ("lstm_lengths", "LSTM", {"bidirectional": True}, {"lengths": [4, 2, 1]}),
    ("gru_lengths", "GRU", {"bidirectional": True}, {"lengths": [4, 2, 1]}),
    ("lstm_t1", "LSTM", {}, {"T": 1}),
    ("lstm_proj_2layer_bidir", "LSTM", {"proj_size": 4, "num_layers": 2, "bidirectional": True}, {}),
]


def build(mode, opts):
    if mode in ("RNN_TANH", "RNN_RELU"):
        return nn.RNN(I, H, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **opts)
    if mode == "GRU":
        return nn.GRU(I, H, **opts)
    return nn.LSTM(I, H, **opts)


def make(index, name, mode, opts, over):
    torch.manual_seed(1000 + index)
    seq_len = over.get("T", T)
    lengths = over.get("lengths")
    num_layers = opts.get("num_layers", 1)
    dirs = 2 if opts.get("bidirectional", False) else 1
    batch_first = opts.get("batch_first", False)
    proj = opts.get("proj_size", 0)
    h_out = proj if proj > 0 else H
    is_lstm = mode == "LSTM"

    module = build(mode, opts).double()
    f64 = {"dtype": torch.float64}
    x = torch.randn(*((B, seq_len, I) if batch_first else (seq_len, B, I)), **f64)
    h0 = torch.randn(num_layers * dirs, B, h_out, **f64)  # batch_first does not apply to states
    c0 = torch.randn(num_layers * dirs, B, H, **f64) if is_lstm else None
    x.requires_grad_(True)
    h0.requires_grad_(True)
    if c0 is not None:
        c0.requires_grad_(True)
    state = (h0, c0) if is_lstm else h0

    if lengths is None:
        out, st = module(x, state)
    else:
        assert not batch_first and max(lengths) == seq_len
        packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64), enforce_sorted=False)
        out_packed, st = module(packed, state)
        out, _ = pad_packed_sequence(out_packed, total_length=seq_len)
    hn, cn = st if is_lstm else (st, None)

    # Cotangents are random everywhere, including padded output positions (where out is 0).
    cot_out = torch.randn(out.shape, **f64)
    cot_hn = torch.randn(hn.shape, **f64)
    cot_cn = torch.randn(cn.shape, **f64) if is_lstm else None
    loss = (out * cot_out).sum() + (hn * cot_hn).sum()
    if is_lstm:
        loss = loss + (cn * cot_cn).sum()
    loss.backward()

    t = {}
    for pname, p in module.named_parameters():
        t["param." + pname] = p.detach().clone()
        t["grad.param." + pname] = p.grad.detach().clone()
    t["x"] = x.detach().clone()
    t["h0"] = h0.detach().clone()
    t["out"] = out.detach().clone()
    t["hn"] = hn.detach().clone()
    t["cot.out"] = cot_out
    t["cot.hn"] = cot_hn
    t["grad.x"] = x.grad.detach().clone()
    t["grad.h0"] = h0.grad.detach().clone()
    if is_lstm:
        t["c0"] = c0.detach().clone()
        t["cn"] = cn.detach().clone()
        t["cot.cn"] = cot_cn
        t["grad.c0"] = c0.grad.detach().clone()
    if lengths is not None:
        t["lengths"] = torch.tensor(lengths, dtype=torch.int32)
        sanity_lengths(t, lengths, dirs, num_layers, h_out)

    metadata = {
        "mode": mode,
        "inputSize": str(I),
        "hiddenSize": str(H),
        "numLayers": str(num_layers),
        "bidirectional": "true" if dirs == 2 else "false",
        "batchFirst": "true" if batch_first else "false",
        "bias": "true" if opts.get("bias", True) else "false",
        "projSize": str(proj),
        "torch": torch.__version__,
    }
    return t, dict(sorted(metadata.items()))


def sanity_lengths(t, lengths, dirs, num_layers, h_out):
    """Pins down PyTorch's packed-sequence semantics that the TS test relies on."""
    out, hn, gx = t["out"], t["hn"], t["grad.x"]
    last = num_layers - 1
    for b, n in enumerate(lengths):
        assert torch.all(out[n:, b] == 0), "padded outputs are zero"
        assert torch.all(gx[n:, b] == 0), "padded inputs get zero gradient"
        # forward direction: state after the last valid step n-1
        assert torch.equal(hn[last * dirs, b], out[n - 1, b, :h_out])
        if dirs == 2:
            # reverse direction starts at step n-1 (not T-1) and ends at step 0
            assert torch.equal(hn[last * dirs + 1, b], out[0, b, h_out:])


def render_all():
    files = {}
    for index, (name, mode, opts, over) in enumerate(CONFIGS):
        tensors, metadata = make(index, name, mode, opts, over)
        blob = serialize(tensors, metadata)
        back, meta_back = parse(blob)
        assert meta_back == metadata and set(back) == set(tensors)
        for k, v in tensors.items():
            assert torch.equal(back[k], v), k
        files[name + ".safetensors"] = blob
    return files


def main(argv):
    if len(argv) not in (2, 3) or argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[2] if len(argv) == 3 else os.path.join("test", "fixtures", "rnn")
    files = render_all()
    if argv[1] == "write":
        os.makedirs(out_dir, exist_ok=True)
        for fname, blob in files.items():
            with open(os.path.join(out_dir, fname), "wb") as f:
                f.write(blob)
            print(f"{os.path.join(out_dir, fname)} {len(blob)} bytes")
        return 0
    stale = []
    for fname, blob in files.items():
        path = os.path.join(out_dir, fname)
        if not os.path.exists(path) or open(path, "rb").read() != blob:
            stale.append(path)
    for p in stale:
        print(f"differs: {p}", file=sys.stderr)
    print(f"{len(files) - len(stale)}/{len(files)} fixtures match")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
