#!/usr/bin/env python3
"""Golden fixtures for the linear-RNN layers, from the reference math written as plain recurrences.

  linear_rnn_fixtures.py write [DIR]   writes DIR/<name>.safetensors (default DIR: test/fixtures/linear-rnn)
  linear_rnn_fixtures.py check [DIR]   regenerates in memory; exit 1 unless every file is byte-identical

Each file is one pre-norm residual block, out = x + mixer(RMSNorm(x)) (block norm eps 1e-6, as
recurrent's stacks), in float64, with the mixer written token by token from its reference:

  deltanet            fla DeltaNet (short convs + SiLU, fla's in-kernel L2 norm of q and k, beta =
                      2 sigmoid(b_proj) for allow_neg_eigval, the delta rule, RMSNorm o_norm)
  gated_deltanet      fla GatedDeltaNet (decay g = -exp(A_log) softplus(a_proj + dt_bias), output gate)
  gated_deltaproduct  fla GatedDeltaProduct with num_householder = 2 (allow_neg_eigval, decay, output gate)
  gla                 fla GatedLinearAttention (per-key-channel log gate logsigmoid(gk_proj)/normalizer,
                      g_norm_swish_gate)
  mamba2_g1/_g2       mamba_ssm Mamba2 (in_proj -> z, xBC, dt; conv1d with bias + SiLU; the SSD scan;
                      D skip; RMSNormGated with norm after gate, grouped by ngroups), ngroups 1 and 2
  mlstm               xLSTM Large mLSTMLayer (soft-capped gates, mlstm_kernels' stabilised recurrent
                      step from C = n = m = 0, MultiHeadLayerNorm, sigmoid output gate)

A file holds every parameter as `param.<name>` (recurrent's state-dict names), the input `x`
[B, T, d] (batch-first, as the stacks take it), the output `out`, a cotangent `cot`, and the
gradients of sum(out * cot) as `grad.x` and `grad.param.<name>`. `__metadata__` has the layer
(`layer`), the stack options as JSON (`options`, recurrent's option names) and the sizes.
Run with Debian's /usr/bin/python3 (python3-torch). Deterministic: torch.manual_seed per file.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_fixture import parse, serialize  # noqa: E402

F64 = torch.float64
D_MODEL, BATCH, T = 8, 2, 7
BLOCK_EPS = 1e-6  # RMSNorm before the mixer: recurrent's RMSNorm default


# ---------------------------------------------------------------- shared pieces


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def linear(x, weight, bias=None):
    y = x @ weight.transpose(0, 1)
    return y if bias is None else y + bias


def causal_depthwise_conv(x, weight, bias=None):
    """x [B, T, C], weight [C, 1, K] (PyTorch Conv1d layout) -> y [B, T, C], y_t = sum_j w_j x_{t-K+1+j}."""
    K = weight.shape[2]
    steps = []
    for t in range(x.shape[1]):
        acc = torch.zeros_like(x[:, 0])
        for j in range(K):
            s = t - (K - 1) + j
            if s >= 0:
                acc = acc + weight[:, 0, j] * x[:, s]
        steps.append(acc if bias is None else acc + bias)
    return torch.stack(steps, 1)


def fla_l2norm(x):
    """fla's use_qk_l2norm_in_kernel: x / sqrt(sum(x^2) + 1e-6) over the head dim."""
    return x / torch.sqrt(x.pow(2).sum(-1, keepdim=True) + 1e-6)


def soft_cap(x, cap):
    return cap * torch.tanh(x / cap)


def rand(*shape, scale=1.0):
    return torch.randn(*shape, dtype=F64) * scale


def fan_in(out_f, in_f):
    return rand(out_f, in_f, scale=1 / math.sqrt(in_f))


# ---------------------------------------------------------------- delta rule family (fla)


def delta_params(pre, d, H, dk, dv, nh, forget_gate, output_gate, K=4):
    p = {
        "layers.0.attn_norm.weight": 1 + 0.1 * rand(d),
        pre + "q_proj.weight": fan_in(H * dk, d),
        pre + "k_proj.weight": fan_in(nh * H * dk, d),
        pre + "v_proj.weight": fan_in(nh * H * dv, d),
        pre + "b_proj.weight": fan_in(nh * H, d),
        pre + "q_conv1d.weight": rand(H * dk, 1, K, scale=0.5),
        pre + "k_conv1d.weight": rand(nh * H * dk, 1, K, scale=0.5),
        pre + "v_conv1d.weight": rand(nh * H * dv, 1, K, scale=0.5),
        pre + "o_norm.weight": 1 + 0.1 * rand(dv),
        pre + "o_proj.weight": fan_in(d, H * dv),
    }
    if forget_gate:
        p[pre + "a_proj.weight"] = fan_in(H, d)
        p[pre + "A_log"] = torch.log(torch.rand(H, dtype=F64) * 4 + 0.5)
        p[pre + "dt_bias"] = rand(H, scale=0.5)
    if output_gate:
        p[pre + "g_proj.weight"] = fan_in(H * dv, d)
    return p


def delta_block(x, p, cfg):
    """fla DeltaNet / GatedDeltaNet / GatedDeltaProduct as one token loop (naive_recurrent_gated_delta_product)."""
    pre = "layers.0.attn."
    H, dk, dv, nh = cfg["heads"], cfg["dk"], cfg["dv"], cfg["nh"]
    Bsz, L, _ = x.shape
    h = rms_norm(x, p["layers.0.attn_norm.weight"], BLOCK_EPS)
    q = F.silu(causal_depthwise_conv(linear(h, p[pre + "q_proj.weight"]), p[pre + "q_conv1d.weight"]))
    k = F.silu(causal_depthwise_conv(linear(h, p[pre + "k_proj.weight"]), p[pre + "k_conv1d.weight"]))
    v = F.silu(causal_depthwise_conv(linear(h, p[pre + "v_proj.weight"]), p[pre + "v_conv1d.weight"]))
    # fla's '... t (n h d) -> ... (t n) h d': the n Householder groups are the outermost block of the features
    q = fla_l2norm(q.reshape(Bsz, L, H, dk)) * dk ** -0.5
    k = fla_l2norm(k.reshape(Bsz, L, nh, H, dk))
    v = v.reshape(Bsz, L, nh, H, dv)
    beta = torch.sigmoid(linear(h, p[pre + "b_proj.weight"])).reshape(Bsz, L, nh, H)
    if cfg["neg_eigval"]:
        beta = beta * 2
    g = None
    if cfg["forget_gate"]:
        g = -torch.exp(p[pre + "A_log"]) * F.softplus(linear(h, p[pre + "a_proj.weight"]) + p[pre + "dt_bias"])  # [B, T, H]
    S = torch.zeros(Bsz, H, dk, dv, dtype=F64)  # fla's [K, V] per head
    outs = []
    for t in range(L):
        if g is not None:
            S = S * torch.exp(g[:, t])[:, :, None, None]
        for j in range(nh):
            kt, vt, bt = k[:, t, j], v[:, t, j], beta[:, t, j]  # [B, H, dk], [B, H, dv], [B, H]
            pred = torch.einsum("bhk,bhkv->bhv", kt, S)
            S = S + bt[:, :, None, None] * torch.einsum("bhk,bhv->bhkv", kt, vt - pred)
        outs.append(torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, 1)  # [B, T, H, dv]
    o = rms_norm(o, p[pre + "o_norm.weight"], cfg["o_norm_eps"])
    if cfg["output_gate"]:
        o = o * F.silu(linear(h, p[pre + "g_proj.weight"]).reshape(Bsz, L, H, dv))
    return x + linear(o.reshape(Bsz, L, H * dv), p[pre + "o_proj.weight"])


def make_delta(layer, options, nh, forget_gate, output_gate, neg_eigval, dk, dv, reference):
    H = options["heads"]
    p = delta_params("layers.0.attn.", D_MODEL, H, dk, dv, nh, forget_gate, output_gate)
    # o_norm eps: fla norm_eps default 1e-5 (recurrent uses the same)
    cfg = {"heads": H, "dk": dk, "dv": dv, "nh": nh, "forget_gate": forget_gate, "output_gate": output_gate,
           "neg_eigval": neg_eigval, "o_norm_eps": 1e-5}
    return layer, options, p, lambda x, pp: delta_block(x, pp, cfg), {"reference": reference, "o_norm_eps": "1e-05", "qk_l2norm_eps": "1e-06"}


# ---------------------------------------------------------------- GLA (fla)


def gla_block(x, p, cfg):
    pre = "layers.0.attn."
    H, dk, dv = cfg["heads"], cfg["dk"], cfg["dv"]
    Bsz, L, _ = x.shape
    h = rms_norm(x, p["layers.0.attn_norm.weight"], BLOCK_EPS)
    q = linear(h, p[pre + "q_proj.weight"]).reshape(Bsz, L, H, dk) * dk ** -0.5
    k = linear(h, p[pre + "k_proj.weight"]).reshape(Bsz, L, H, dk)
    v = linear(h, p[pre + "v_proj.weight"]).reshape(Bsz, L, H, dv)
    low = linear(h, p[pre + "gk_proj.0.weight"])
    gk = F.logsigmoid(linear(low, p[pre + "gk_proj.1.weight"], p[pre + "gk_proj.1.bias"])) / cfg["normalizer"]
    gk = gk.reshape(Bsz, L, H, dk)
    S = torch.zeros(Bsz, H, dk, dv, dtype=F64)
    outs = []
    for t in range(L):
        S = S * torch.exp(gk[:, t])[..., None] + torch.einsum("bhk,bhv->bhkv", k[:, t], v[:, t])
        outs.append(torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = rms_norm(torch.stack(outs, 1), p[pre + "g_norm_swish_gate.weight"], cfg["norm_eps"])
    o = o * F.silu(linear(h, p[pre + "g_proj.weight"]).reshape(Bsz, L, H, dv))
    return x + linear(o.reshape(Bsz, L, H * dv), p[pre + "o_proj.weight"])


def make_gla():
    H, r = 2, 16
    options = {"heads": H, "gateLogitNormalizer": 4}
    key_dim, value_dim = D_MODEL // 2, D_MODEL  # fla's expand_k 0.5, expand_v 1
    pre = "layers.0.attn."
    p = {
        "layers.0.attn_norm.weight": 1 + 0.1 * rand(D_MODEL),
        pre + "q_proj.weight": fan_in(key_dim, D_MODEL),
        pre + "k_proj.weight": fan_in(key_dim, D_MODEL),
        pre + "v_proj.weight": fan_in(value_dim, D_MODEL),
        pre + "g_proj.weight": fan_in(value_dim, D_MODEL),
        pre + "gk_proj.0.weight": fan_in(r, D_MODEL),
        pre + "gk_proj.1.weight": fan_in(key_dim, r),
        pre + "gk_proj.1.bias": rand(key_dim, scale=0.5),
        pre + "o_proj.weight": fan_in(D_MODEL, value_dim),
        pre + "g_norm_swish_gate.weight": 1 + 0.1 * rand(value_dim // H),
    }
    cfg = {"heads": H, "dk": key_dim // H, "dv": value_dim // H, "normalizer": 4.0, "norm_eps": 1e-5}
    meta = {"reference": "fla GatedLinearAttention(expand_k=0.5, expand_v=1, num_heads=2, gate_logit_normalizer=4, "
            "gate_low_rank_dim=16, norm_eps=1e-5, use_output_gate, fuse_norm) with naive_recurrent_gla", "norm_eps": "1e-05"}
    return "GLA", options, p, lambda x, pp: gla_block(x, pp, cfg), meta


# ---------------------------------------------------------------- Mamba-2 (mamba_ssm)


def mamba2_block(x, p, cfg):
    pre = "layers.0.mixer."
    di, N, H, P, G = cfg["d_inner"], cfg["d_state"], cfg["nheads"], cfg["headdim"], cfg["ngroups"]
    Bsz, L, _ = x.shape
    h = rms_norm(x, p["layers.0.norm.weight"], BLOCK_EPS)
    zxbcdt = linear(h, p[pre + "in_proj.weight"])
    z, xBC, dt = torch.split(zxbcdt, [di, di + 2 * G * N, H], dim=-1)
    xBC = F.silu(causal_depthwise_conv(xBC, p[pre + "conv1d.weight"], p[pre + "conv1d.bias"]))
    xs, Bm, Cm = torch.split(xBC, [di, G * N, G * N], dim=-1)
    xs = xs.reshape(Bsz, L, H, P)
    Bm = Bm.reshape(Bsz, L, G, N)
    Cm = Cm.reshape(Bsz, L, G, N)
    dt = F.softplus(dt + p[pre + "dt_bias"])  # [B, T, H]
    A = -torch.exp(p[pre + "A_log"])  # [H]
    per_group = H // G
    state = torch.zeros(Bsz, H, P, N, dtype=F64)  # mamba_ssm's ssm_state layout
    ys = []
    for t in range(L):
        heads = []
        for hh in range(H):
            grp = hh // per_group
            dA = torch.exp(dt[:, t, hh] * A[hh])  # [B]
            upd = (dt[:, t, hh])[:, None, None] * xs[:, t, hh, :, None] * Bm[:, t, grp, None, :]  # [B, P, N]
            heads.append(dA[:, None, None] * state[:, hh] + upd)
        state = torch.stack(heads, 1)
        y = torch.stack([torch.einsum("bpn,bn->bp", state[:, hh], Cm[:, t, hh // per_group]) for hh in range(H)], 1)
        ys.append(y + p[pre + "D"][None, :, None] * xs[:, t])
    y = torch.stack(ys, 1).reshape(Bsz, L, di)
    # RMSNormGated, norm_before_gate=False, group_size = d_inner / ngroups, eps 1e-5
    gated = (y * F.silu(z)).reshape(Bsz, L, G, di // G)
    normed = gated * torch.rsqrt(gated.pow(2).mean(-1, keepdim=True) + 1e-5)
    y = normed.reshape(Bsz, L, di) * p[pre + "norm.weight"]
    return x + linear(y, p[pre + "out_proj.weight"])


def make_mamba2(ngroups):
    N, K, expand, P = 4, 4, 2, 4
    di = expand * D_MODEL
    H = di // P
    options = {"stateSize": N, "convSize": K, "expand": expand, "headDim": P, "nGroups": ngroups}
    conv_dim = di + 2 * ngroups * N
    pre = "layers.0.mixer."
    p = {
        "layers.0.norm.weight": 1 + 0.1 * rand(D_MODEL),
        pre + "in_proj.weight": fan_in(2 * di + 2 * ngroups * N + H, D_MODEL),
        pre + "conv1d.weight": rand(conv_dim, 1, K, scale=0.5),
        pre + "conv1d.bias": rand(conv_dim, scale=0.3),
        pre + "dt_bias": rand(H, scale=0.5),
        pre + "A_log": torch.log(torch.rand(H, dtype=F64) * 4 + 0.5),
        pre + "D": 1 + 0.3 * rand(H),
        pre + "norm.weight": 1 + 0.1 * rand(di),
        pre + "out_proj.weight": fan_in(D_MODEL, di),
    }
    cfg = {"d_inner": di, "d_state": N, "nheads": H, "headdim": P, "ngroups": ngroups}
    meta = {"reference": f"mamba_ssm Mamba2(d_model=8, d_state=4, d_conv=4, expand=2, headdim=4, ngroups={ngroups}, "
            "rmsnorm=True, norm_before_gate=False) slow path, SSD as its per-token recurrence", "norm_eps": "1e-05"}
    return "Mamba2", options, p, lambda x, pp: mamba2_block(x, pp, cfg), meta


# ---------------------------------------------------------------- mLSTM (xLSTM Large)


def mlstm_block(x, p, cfg):
    pre = "layers.0.mlstm_layer."
    H, dqk, dv, eps, cap = cfg["heads"], cfg["dqk"], cfg["dv"], cfg["eps"], cfg["cap"]
    Bsz, L, _ = x.shape
    h = rms_norm(x, p["layers.0.norm_mlstm.weight"], BLOCK_EPS)
    q = linear(h, p[pre + "q.weight"]).reshape(Bsz, L, H, dqk)
    k = linear(h, p[pre + "k.weight"]).reshape(Bsz, L, H, dqk)
    v = linear(h, p[pre + "v.weight"]).reshape(Bsz, L, H, dv)
    o_pre = linear(h, p[pre + "ogate_preact.weight"])
    i_pre = soft_cap(linear(h, p[pre + "igate_preact.weight"], p[pre + "igate_preact.bias"]), cap)  # [B, T, H]
    f_pre = soft_cap(linear(h, p[pre + "fgate_preact.weight"], p[pre + "fgate_preact.bias"]), cap)
    C = torch.zeros(Bsz, H, dqk, dv, dtype=F64)
    n = torch.zeros(Bsz, H, dqk, dtype=F64)
    m = torch.zeros(Bsz, H, dtype=F64)
    outs, branch = [], [0, 0]
    for t in range(L):
        # mlstm_kernels' recurrent step: stabiliser m, q scaled by dqk^-1/2
        log_f = F.logsigmoid(f_pre[:, t])
        m_new = torch.maximum(log_f + m, i_pre[:, t])
        f_act = torch.exp(log_f + m - m_new)
        i_act = torch.exp(i_pre[:, t] - m_new)
        C = f_act[..., None, None] * C + i_act[..., None, None] * torch.einsum("bhk,bhv->bhkv", k[:, t], v[:, t])
        n = f_act[..., None] * n + i_act[..., None] * k[:, t]
        m = m_new
        qs = q[:, t] * dqk ** -0.5
        num = torch.einsum("bhk,bhkv->bhv", qs, C)
        qn = torch.einsum("bhk,bhk->bh", qs, n)
        floor = torch.exp(-m)
        branch[0] += int((qn.abs() > floor).sum())
        branch[1] += int((qn.abs() <= floor).sum())
        outs.append(num / (torch.maximum(qn.abs(), floor) + eps)[..., None])
    hh = torch.stack(outs, 1)  # [B, T, H, dv]
    # MultiHeadLayerNorm: layer norm over each head's dv (no bias), then the weight [H * dv]
    centred = hh - hh.mean(-1, keepdim=True)
    hn = centred * torch.rsqrt(hh.var(-1, keepdim=True, unbiased=False) + cfg["norm_eps"])
    hn = hn.reshape(Bsz, L, H * dv) * p[pre + "multihead_norm.weight"]
    cfg["branches"] = branch
    return x + linear(torch.sigmoid(o_pre) * hn, p[pre + "out_proj.weight"])


def make_mlstm():
    H = 2
    dqk, dv = D_MODEL // 2 // H, D_MODEL // H  # qk_dim_factor 0.5, v_dim_factor 1
    options = {"heads": H}
    pre = "layers.0.mlstm_layer."
    p = {
        "layers.0.norm_mlstm.weight": 1 + 0.1 * rand(D_MODEL),
        pre + "q.weight": fan_in(H * dqk, D_MODEL),
        pre + "k.weight": fan_in(H * dqk, D_MODEL),
        pre + "v.weight": fan_in(H * dv, D_MODEL),
        pre + "ogate_preact.weight": fan_in(H * dv, D_MODEL),
        # wide gate pre-activations, so the stabiliser m and both branches of max(|n.q|, e^-m) are exercised
        pre + "igate_preact.weight": fan_in(H, D_MODEL) * 3,
        pre + "igate_preact.bias": torch.tensor([-2.0, 1.5], dtype=F64),
        pre + "fgate_preact.weight": fan_in(H, D_MODEL) * 2,
        pre + "fgate_preact.bias": torch.tensor([1.0, 3.0], dtype=F64),
        pre + "multihead_norm.weight": 1 + 0.1 * rand(H * dv),
        pre + "out_proj.weight": fan_in(D_MODEL, H * dv),
    }
    cfg = {"heads": H, "dqk": dqk, "dv": dv, "eps": 1e-6, "cap": 15.0, "norm_eps": 1e-6}
    meta = {"reference": "xLSTM Large mLSTMLayer(num_heads=2, qk_dim_factor=0.5, v_dim_factor=1, gate_soft_cap=15, "
            "eps=1e-6, norm_eps=1e-6, weight_mode=single) with mlstm_recurrent_step__native, C = n = m = 0 at start",
            "eps": "1e-06", "norm_eps": "1e-06"}

    def run(x, pp):
        out = mlstm_block(x, pp, cfg)
        meta["steps_qn_branch"], meta["steps_exp_minus_m_branch"] = str(cfg["branches"][0]), str(cfg["branches"][1])
        return out

    return "MLSTM", options, p, run, meta


# ---------------------------------------------------------------- fixtures


FIXTURES = {
    "deltanet": lambda: make_delta(
        "DeltaNet", {"heads": 2, "allowNegEigval": True}, nh=1, forget_gate=False, output_gate=False, neg_eigval=True, dk=4, dv=4,
        reference="fla DeltaNet(expand_k=1, expand_v=1, num_heads=2, use_short_conv, conv_size=4, allow_neg_eigval, "
                  "qk_activation=silu, qk_norm=l2, use_gate=False) with delta_rule_recurrence"),
    "gated_deltanet": lambda: make_delta(
        "GatedDeltaNet", {"heads": 2, "expandV": 2}, nh=1, forget_gate=True, output_gate=True, neg_eigval=False, dk=4, dv=8,
        reference="fla GatedDeltaNet(head_dim=4, expand_v=2, num_heads=2, use_gate, use_short_conv, conv_size=4) "
                  "with the gated delta rule recurrence"),
    "gated_deltaproduct": lambda: make_delta(
        "DeltaProduct", {"heads": 2, "headDim": 3, "expandV": 2, "householder": 2, "forgetGate": True, "allowNegEigval": True},
        nh=2, forget_gate=True, output_gate=True, neg_eigval=True, dk=3, dv=6,
        reference="fla GatedDeltaProduct(head_dim=3, expand_v=2, num_heads=2, num_householder=2, use_forget_gate, "
                  "allow_neg_eigval, use_output_gate, use_short_conv, conv_size=4) with naive_recurrent_gated_delta_product"),
    "gla": make_gla,
    "mamba2_g1": lambda: make_mamba2(1),
    "mamba2_g2": lambda: make_mamba2(2),
    "mlstm": make_mlstm,
}


def build(index, name):
    torch.manual_seed(3000 + index)
    layer, options, p, block, meta = FIXTURES[name]()
    for t in p.values():
        t.requires_grad_(True)
    x = rand(BATCH, T, D_MODEL, scale=1.0).requires_grad_(True)
    out = block(x, p)
    cot = torch.randn_like(out)
    (out * cot).sum().backward()
    tensors = {"x": x.detach(), "out": out.detach(), "cot": cot, "grad.x": x.grad}
    for k, t in p.items():
        tensors["param." + k] = t.detach()
        tensors["grad.param." + k] = t.grad
    metadata = {"layer": layer, "options": json.dumps(options, sort_keys=True), "d_model": str(D_MODEL), "batch": str(BATCH),
                "length": str(T), "block_rms_eps": str(BLOCK_EPS), "torch": torch.__version__, **meta}
    blob = serialize(tensors, metadata)
    back, _ = parse(blob)
    assert set(back) == set(tensors) and all(torch.equal(back[k], tensors[k]) for k in tensors), name
    return blob


def main(argv):
    if len(argv) not in (2, 3) or argv[1] not in ("write", "check"):
        print(__doc__)
        return 2
    out_dir = argv[2] if len(argv) == 3 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "linear-rnn")
    stale = 0
    for index, name in enumerate(FIXTURES):
        blob = build(index, name)
        path = os.path.join(out_dir, name + ".safetensors")
        if argv[1] == "write":
            os.makedirs(out_dir, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(blob)
            print(f"wrote {path} ({len(blob)} bytes)")
        else:
            try:
                with open(path, "rb") as fh:
                    same = fh.read() == blob
            except FileNotFoundError:
                same = False
            if not same:
                print(f"{path} is stale or missing")
                stale += 1
    if argv[1] == "check":
        print("fixtures up to date" if stale == 0 else f"{stale} fixture(s) stale")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
