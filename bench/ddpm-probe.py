#!/usr/bin/python3
"""A class-conditional diffusion model (DDPM, Ho et al. 2020; classifier-free guidance, Ho and Salimans 2022;
DDIM sampling, Song et al. 2021) trained on the whole training folder, its images of the scarce classes written
as a manifest: does the generator family that covers its data best, where a GAN drops modes, give images worth
more than the GAN's to a classifier?

The model is a small U-Net (two resolutions below the image's, one residual block each, time and class embedded
together and added in every block), trained to predict the noise (cosine schedule, 1,000 steps) on batches whose
classes are drawn ∝ √(class size) so a scarce class is seen without drowning the rest; the class is dropped 10 %
of the time so one model is both conditional and not. Weights are averaged (EMA 0.999) and the average samples:
DDIM, `--sample-steps` steps, guidance `--guidance` (the conditional noise estimate pushed away from the
unconditional one by that factor; 1 = conditional only). Each scarce class is filled as gan-augment delivers a fill:
`--share` of the deficit generated images (default 0.5, as `deliver.share`), the rest its real images listed
again, hard labels. Every setting was fixed before any figure; none is tuned on the test folder.

  /usr/bin/python3 bench/ddpm-probe.py --run <run out folder> --train <train folder> --out <folder> [--steps 6000] [--seed 0]
  node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5

CPU (PyTorch); `--threads` (default 2). Grayscale or RGB, sides divisible by 4. Writes <out>/ddpm.pt (EMA weights
and these settings); `--reuse <ddpm.pt>` samples from a former run's instead of training. `--label-filter --pool 2`
delivers only candidates a classifier trained on the real images assigns to their class (gan-augment's label filter,
from twice the candidates). Not part of `npm test`; figures in docs/measurements.md.
"""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from probe_manifest import folder_images, oversampled, probe_parser, real_entries, save_synthetic, write_manifest  # noqa: E402

p = probe_parser(__doc__)
p.add_argument('--steps', type=int, default=6000)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--width', type=int, default=32, help='channels at full resolution (×2 below)')
p.add_argument('--lr', type=float, default=5e-4)
p.add_argument('--guidance', type=float, default=2.0)
p.add_argument('--sample-steps', type=int, default=50)
p.add_argument('--share', type=float, default=0.5)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--reuse', metavar='CKPT', help='sample from this ddpm.pt (a former run of the probe) instead of training')
p.add_argument('--pool', type=int, default=1, help='candidates per image delivered, for --label-filter')
p.add_argument('--label-filter', action='store_true',
               help="deliver only candidates a classifier trained on the real images (balanced, ±2 px shifts) assigns to their class, at random among them")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)

# ---- data: every class of the training folder --------------------------------------------------------------
labels, _, arr, ys, mode = folder_images(args.train)
X = torch.from_numpy(arr).permute(0, 3, 1, 2) / 127.5 - 1
Y = torch.tensor(ys)
N, CH, H, W = X.shape
if H % 4 or W % 4:
    sys.exit(f'Expected image sides divisible by 4 but received {H} × {W}')
counts = np.bincount(ys, minlength=len(labels))
w_img = (np.sqrt(counts) / counts)[ys]
w_img = w_img / w_img.sum()
print(f'{N} images, {len(labels)} classes ({", ".join(f"{c} {n}" for c, n in zip(labels, counts))}), {CH} × {H} × {W}')

# ---- model ----------------------------------------------------------------------------------------------------
T = 1000
s_ = 0.008
tt = torch.arange(T + 1, dtype=torch.float64) / T
abar_all = torch.cos((tt + s_) / (1 + s_) * math.pi / 2) ** 2
abar_all = abar_all / abar_all[0]
abar = abar_all[1:].clamp(1e-5, 1).float()  # ᾱ_t for t = 1..T, index t-1


def t_embed(t, dim):
    half = dim // 2
    f = torch.exp(-math.log(10000) * torch.arange(half) / half)
    a = t.float()[:, None] * f[None]
    return torch.cat([a.sin(), a.cos()], 1)


class Block(nn.Module):
    def __init__(self, cin, cout, edim):
        super().__init__()
        self.n1 = nn.GroupNorm(8, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(edim, cout)
        self.n2 = nn.GroupNorm(8, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(e)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    def __init__(self, ch, c, classes):
        super().__init__()
        e = 4 * c
        self.c = c
        self.temb = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
        self.cemb = nn.Embedding(classes + 1, e)  # the last index: no class
        self.inp = nn.Conv2d(ch, c, 3, padding=1)
        self.d1 = Block(c, c, e)
        self.down1 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.d2 = Block(c, 2 * c, e)
        self.down2 = nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.m = Block(2 * c, 2 * c, e)
        self.u2 = Block(4 * c, 2 * c, e)
        self.u1 = Block(3 * c, c, e)
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, ch, 3, padding=1))

    def forward(self, x, t, y):
        e = self.temb(t_embed(t, self.c)) + self.cemb(y)
        h0 = self.inp(x)
        h1 = self.d1(h0, e)
        h2 = self.d2(self.down1(h1), e)
        h = self.m(self.down2(h2), e)
        h = F.interpolate(h, scale_factor=2, mode='nearest')
        h = self.u2(torch.cat([h, h2], 1), e)
        h = F.interpolate(h, scale_factor=2, mode='nearest')
        h = self.u1(torch.cat([h, h1], 1), e)
        return self.out(h)


K = len(labels)
net = UNet(CH, args.width, K)
ema = UNet(CH, args.width, K)
ema.load_state_dict(net.state_dict())
ema.requires_grad_(False)
ckpt = os.path.join(args.out, 'ddpm.pt')
os.makedirs(args.out, exist_ok=True)

if args.reuse:
    saved = torch.load(args.reuse)
    ema.load_state_dict(saved['ema'])
    print(f'reused {args.reuse} ({saved["settings"]})')
else:
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    t0 = time.time()
    run_loss = 0.0
    for step in range(1, args.steps + 1):
        lr = args.lr * min(1.0, step / 200)
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.from_numpy(rng.choice(N, args.batch, p=w_img))
        x0 = X[idx]
        # the augmentation the classifier sees anyway would only blur the model: none
        y = Y[idx].clone()
        y[torch.rand(args.batch) < 0.1] = K
        t = torch.randint(1, T + 1, (args.batch,))
        a = abar[t - 1][:, None, None, None]
        eps = torch.randn_like(x0)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(net(xt, t, y), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pe, pn in zip(ema.parameters(), net.parameters()):
                pe.mul_(0.999).add_(pn.detach(), alpha=0.001)
        run_loss += loss.item()
        if step % 100 == 0 or step == args.steps:
            el = time.time() - t0
            print(f'step {step}/{args.steps} loss {run_loss / (100 if step % 100 == 0 else step % 100):.4f} ({el:.0f} s, {step / el:.2f} steps/s)', flush=True)
            run_loss = 0.0
    settings = {k: v for k, v in vars(args).items() if k not in ('run', 'train', 'out')}
    torch.save({'ema': ema.state_dict(), 'settings': settings, 'labels': labels}, ckpt)
    print(f'trained {args.steps} steps in {time.time() - t0:.0f} s; wrote {ckpt}')


@torch.no_grad()
def sample(k, n):
    """n images of class index k: DDIM from pure noise, classifier-free guidance."""
    x = torch.randn(n, CH, H, W)
    ts = np.linspace(T, 1, args.sample_steps).round().astype(int)
    yc = torch.full((n,), k)
    yu = torch.full((n,), K)
    for i, t in enumerate(ts):
        tb = torch.full((n,), int(t))
        ec, eu = ema(torch.cat([x, x]), torch.cat([tb, tb]), torch.cat([yc, yu])).chunk(2)
        e = eu + args.guidance * (ec - eu)
        a = abar[t - 1]
        x0 = ((x - (1 - a).sqrt() * e) / a.sqrt()).clamp(-1, 1)
        e = (x - a.sqrt() * x0) / (1 - a).sqrt()  # consistent with the clamped x0
        a_prev = abar[ts[i + 1] - 1] if i + 1 < len(ts) else torch.tensor(1.0)
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * e
    return ((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def teacher():
    """A small CNN on the real images only: classes drawn evenly (what oversampling gives), ±2 px shifts."""
    torch.manual_seed(args.seed)
    net = nn.Sequential(nn.Conv2d(CH, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * (H // 4) * (W // 4), 128), nn.ReLU(), nn.Linear(128, K))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    w = (1 / counts)[ys]
    w = w / w.sum()
    for _ in range(2000):
        idx = torch.from_numpy(rng.choice(N, 64, p=w))
        x = F.pad(X[idx], (2, 2, 2, 2), value=-1)
        dy, dx = rng.integers(0, 5, 2)
        loss = F.cross_entropy(net(x[:, :, dy:dy + H, dx:dx + W]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


judge = teacher() if args.label_filter else None
real = real_entries(args.run, args.out)
added = []
t0 = time.time()
most = counts.max()
for k, c in enumerate(labels):
    if counts[k] >= most:
        continue  # a scarce class has fewer images than the largest (as scarce_classes), from the images loaded above
    need = int(most - counts[k])
    make = int(round(args.share * need))
    n = make * args.pool
    imgs = np.concatenate([sample(k, min(256, n - i)) for i in range(0, n, 256)]) if n else np.zeros((0, H, W, CH), np.uint8)
    if judge is not None and n:
        with torch.no_grad():
            xs_ = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1
            ok = judge(xs_).argmax(1).numpy() == k
        accepted = np.flatnonzero(ok)
        imgs = imgs[rng.permutation(accepted)[:make]]
        print(f'{c}: the real-data classifier assigns {ok.sum()} of {n} candidates to {c}')
    for j in range(len(imgs)):
        px = imgs[j][..., 0] if CH == 1 else imgs[j]
        added.append(save_synthetic(args.out, c, f'{j:05d}.png', px, mode, 'ddpm-probe', seed=args.seed))
    own = [e for e in real if e['label'] == c]
    added += oversampled(own, need - len(imgs))
    print(f'{c}: {len(imgs)} generated images (guidance {args.guidance}, {args.sample_steps} DDIM steps), {need - len(imgs)} real listed again ({time.time() - t0:.0f} s)', flush=True)
write_manifest(args.run, args.out, real + added)
