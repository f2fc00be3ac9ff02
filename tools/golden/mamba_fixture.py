#!/usr/bin/env python3
"""Golden fixture for the Mamba block, from the reference math of mamba_ssm written in PyTorch.

  mamba_fixture.py write [DIR]   writes DIR/mamba_block.safetensors (default DIR: test/fixtures/mamba)
  mamba_fixture.py check [DIR]   regenerates in memory and fails unless the file is byte-identical

The model is one pre-norm residual block, out = x + Mamba(RMSNorm(x)), with the Mamba mixer of
mamba_ssm's slow path (`mamba_simple.py` without the fused kernels): in_proj -> (x, z), causal
depthwise conv1d (padding d_conv - 1, first L outputs) + SiLU, x_proj -> (dt, B, C), dt_proj +
softplus, the selective scan of `selective_scan_ref` with A = -exp(A_log), + D * x, * SiLU(z),
out_proj. Float64. The file holds every parameter (`param.<name>`, our state-dict names), the input
`x` [B, L, d_model], the output `out`, a cotangent `cot`, and the gradients of sum(out * cot) as
`grad.x` and `grad.param.<name>`. Configuration in `__metadata__`.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_fixture import serialize  # noqa: E402

D_MODEL, D_STATE, D_CONV, EXPAND, B, L = 6, 4, 4, 2, 2, 5
D_INNER = EXPAND * D_MODEL
DT_RANK = math.ceil(D_MODEL / 16)
EPS = 1e-6  # RMSNorm epsilon, as recurrent's RMSNorm default


def selective_scan_ref(u, delta, A, Bm, Cm):
    """u, delta [B, D, L]; A [D, N]; Bm, Cm [B, N, L] -> y [B, D, L] (mamba_ssm's reference loop)."""
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, Bm, u)
    x = torch.zeros(u.shape[0], A.shape[0], A.shape[1], dtype=u.dtype)
    ys = []
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, Cm[:, :, i]))
    return torch.stack(ys, dim=2)


def block(x, p):
    h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * p["layers.0.norm.weight"]
    xz = h @ p["layers.0.mixer.in_proj.weight"].T  # [B, L, 2 D_INNER]
    xi, z = xz.chunk(2, dim=-1)
    xc = F.conv1d(xi.transpose(1, 2), p["layers.0.mixer.conv1d.weight"], p["layers.0.mixer.conv1d.bias"], padding=D_CONV - 1, groups=D_INNER)[..., :L]
    xc = F.silu(xc)  # [B, D_INNER, L]
    dbc = xc.transpose(1, 2) @ p["layers.0.mixer.x_proj.weight"].T
    dt, Bm, Cm = torch.split(dbc, [DT_RANK, D_STATE, D_STATE], dim=-1)
    delta = F.softplus(dt @ p["layers.0.mixer.dt_proj.weight"].T + p["layers.0.mixer.dt_proj.bias"]).transpose(1, 2)
    A = -torch.exp(p["layers.0.mixer.A_log"])
    y = selective_scan_ref(xc, delta, A, Bm.transpose(1, 2), Cm.transpose(1, 2))
    y = y + xc * p["layers.0.mixer.D"][:, None]
    y = y.transpose(1, 2) * F.silu(z)
    return x + y @ p["layers.0.mixer.out_proj.weight"].T


def make():
    torch.manual_seed(2024)
    f = torch.float64
    p = {
        "layers.0.norm.weight": 1 + 0.1 * torch.randn(D_MODEL, dtype=f),
        "layers.0.mixer.in_proj.weight": torch.randn(2 * D_INNER, D_MODEL, dtype=f) / math.sqrt(D_MODEL),
        "layers.0.mixer.conv1d.weight": torch.randn(D_INNER, 1, D_CONV, dtype=f) / 2,
        "layers.0.mixer.conv1d.bias": torch.randn(D_INNER, dtype=f) / 2,
        "layers.0.mixer.x_proj.weight": torch.randn(DT_RANK + 2 * D_STATE, D_INNER, dtype=f) / math.sqrt(D_INNER),
        "layers.0.mixer.dt_proj.weight": torch.randn(D_INNER, DT_RANK, dtype=f),
        "layers.0.mixer.dt_proj.bias": torch.log(torch.expm1(torch.rand(D_INNER, dtype=f) * 0.1 + 1e-3)),
        "layers.0.mixer.A_log": torch.log(torch.arange(1, D_STATE + 1, dtype=f)).repeat(D_INNER, 1) + 0.1 * torch.randn(D_INNER, D_STATE, dtype=f),
        "layers.0.mixer.D": 1 + 0.1 * torch.randn(D_INNER, dtype=f),
        "layers.0.mixer.out_proj.weight": torch.randn(D_MODEL, D_INNER, dtype=f) / math.sqrt(D_INNER),
    }
    for t in p.values():
        t.requires_grad_(True)
    x = torch.randn(B, L, D_MODEL, dtype=f, requires_grad=True)
    out = block(x, p)
    cot = torch.randn_like(out)
    (out * cot).sum().backward()
    tensors = {"x": x.detach(), "out": out.detach(), "cot": cot, "grad.x": x.grad}
    for k, t in p.items():
        tensors["param." + k] = t.detach()
        tensors["grad.param." + k] = t.grad
    meta = {"d_model": str(D_MODEL), "d_state": str(D_STATE), "d_conv": str(D_CONV), "expand": str(EXPAND),
            "batch": str(B), "length": str(L), "rms_eps": str(EPS), "torch": torch.__version__}
    return serialize(tensors, meta)


def main(argv):
    if len(argv) not in (2, 3) or argv[1] not in ("write", "check"):
        print(__doc__)
        return 2
    out_dir = argv[2] if len(argv) == 3 else os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "mamba")
    path = os.path.join(out_dir, "mamba_block.safetensors")
    blob = make()
    if argv[1] == "write":
        os.makedirs(out_dir, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(blob)
        print(f"wrote {path} ({len(blob)} bytes)")
        return 0
    with open(path, "rb") as fh:
        if fh.read() != blob:
            print(f"{path} is stale")
            return 1
    print("fixture up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
