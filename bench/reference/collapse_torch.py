"""Is the noise cGAN's collapse a bug of ours, or the recipe? The default gan-augment generator and
discriminator (dcgan G with z ⊕ class embedding, 2-conv projection D, non-saturating loss, Adam 2e-4 / 0.5,
batch 64, class-balanced real batches) in plain PyTorch — no DiffAugment, no EMA, no minibatch-stddev unless
--mbstd — trained on an image folder (one sub-folder per class, 28×28 gray), then per class the pixel
standard deviation across 64 samples next to the real images', and a grid of 12 samples per class.

  /usr/bin/python3 bench/reference/collapse_torch.py bench/data/fmnist-lt/train 1000 /tmp/collapse.png [--mbstd] [--uncond] [--deep-d] [--cbn]
      [--pool] [--pixnorm] [--proj-scale S] [--ca KL] [--ca-scale S] [--threads N]
"""
import os, sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
torch.manual_seed(0); np.random.seed(0); torch.set_num_threads(int(sys.argv[sys.argv.index('--threads') + 1]) if '--threads' in sys.argv else 2)
root, steps, grid_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
files = [(c, os.path.join(root, n, f)) for c, n in enumerate(names) for f in sorted(os.listdir(os.path.join(root, n)))]
px = np.stack([np.asarray(Image.open(f).convert('L').resize((28, 28))) for _, f in files])[..., None]
lab = np.array([c for c, _ in files], np.int64)
X = torch.tensor(px).permute(0, 3, 1, 2).float() / 127.5 - 1
Y = torch.tensor(lab)
K = len(names)
mbstd = '--mbstd' in sys.argv
# --uncond: no class anywhere (G gets a zero embedding, D no projection) — is the conditioning the cause?
# --deep-d: a third conv (256 channels, stride 1) before the head — is D too weak to see the collapse?
uncond = '--uncond' in sys.argv
deep_d = '--deep-d' in sys.argv
# --cbn: the class enters G only through class-conditional batch-norm gains and biases (BigGAN/SNGAN), not the input
cbn = '--cbn' in sys.argv
# --pool: D's class projection on the spatially summed features (Miyato & Koyama's φ) instead of the flattened map
# --pixnorm: pixel norm (ProGAN) instead of batch norm in G — does the class swamp z in the batch statistics?
# --proj-scale S: D's class term × S (S < 1: a weaker class signal) — does D's class template cause the collapse?
pool = '--pool' in sys.argv
pixnorm = '--pixnorm' in sys.argv
proj_scale = float(sys.argv[sys.argv.index('--proj-scale') + 1]) if '--proj-scale' in sys.argv else 1.0
# --ca KL: conditioning augmentation (StackGAN, Zhang et al. 2017): G's class vector is drawn per image from
# N(mu_y, sigma_y^2) with KL(N(mu_y, sigma_y^2) || N(0, I)) x KL added to G's loss — a class is a region, not a point
ca = float(sys.argv[sys.argv.index('--ca') + 1]) if '--ca' in sys.argv else 0.0
# --ca-scale S: that noise x S (S > 1: a wider region per class than the KL alone keeps)
ca_scale = float(sys.argv[sys.argv.index('--ca-scale') + 1]) if '--ca-scale' in sys.argv else 1.0
class PixelNorm(nn.Module):
    def forward(s, x): return x * torch.rsqrt(x.pow(2).mean(1, keepdim=True) + 1e-8)
byc = [np.where(lab == c)[0] for c in range(K)]
class G(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(K, 50); nn.init.normal_(s.emb.weight)
        s.fc = nn.Linear(150, 7*7*128); s.bn1 = nn.BatchNorm2d(128, momentum=None)
        s.up1 = nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1); s.bn2 = nn.BatchNorm2d(64)
        s.up2 = nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1)
        if pixnorm: s.bn1, s.bn2 = PixelNorm(), PixelNorm()
        if ca: s.logvar = nn.Embedding(K, 50); nn.init.zeros_(s.logvar.weight)
        s.kl = torch.zeros(())
        if cbn:
            s.bn1, s.bn2 = nn.BatchNorm2d(128, affine=False), nn.BatchNorm2d(64, affine=False)
            s.g1, s.b1, s.g2, s.b2 = nn.Embedding(K, 128), nn.Embedding(K, 128), nn.Embedding(K, 64), nn.Embedding(K, 64)
            for e in (s.g1, s.g2): nn.init.ones_(e.weight)
            for e in (s.b1, s.b2): nn.init.zeros_(e.weight)
    def forward(s, z, y):
        e = s.emb(y) * (0 if uncond or cbn else 1)
        if ca:
            lv = s.logvar(y); s.kl = 0.5 * (e.pow(2) + lv.exp() - 1 - lv).sum(1).mean()
            e = e + ca_scale * (0.5 * lv).exp() * torch.randn_like(e)
        h = s.fc(torch.cat([z, e], 1)).view(-1, 128, 7, 7)
        if cbn:
            h = F.leaky_relu(s.bn1(h) * s.g1(y)[:, :, None, None] + s.b1(y)[:, :, None, None], 0.2)
            h = F.leaky_relu(s.bn2(s.up1(h)) * s.g2(y)[:, :, None, None] + s.b2(y)[:, :, None, None], 0.2)
        else:
            h = F.leaky_relu(s.bn1(h), 0.2); h = F.leaky_relu(s.bn2(s.up1(h)), 0.2)
        return torch.tanh(s.up2(h))
class D(nn.Module):
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(1, 64, 5, 2, 2); s.c2 = nn.Conv2d(64, 128, 5, 2, 2)
        s.c3 = nn.Conv2d(128, 256, 3, 1, 1) if deep_d else None
        c = 256 if deep_d else 128
        f = 7*7*(c + (1 if mbstd else 0)); s.fc = nn.Linear(f, 1); pf = (c + (1 if mbstd else 0)) if pool else f; s.proj = nn.Embedding(K, pf)
        nn.init.uniform_(s.proj.weight, -pf**-0.5, pf**-0.5)
    def forward(s, x, y):
        h = F.leaky_relu(s.c1(x), 0.2); h = F.leaky_relu(s.c2(h), 0.2)
        if s.c3 is not None: h = F.leaky_relu(s.c3(h), 0.2)
        if mbstd:
            b = h.shape[0]; g = 4; yy = h.view(g, b//g, *h.shape[1:]); sd = (yy.var(0, unbiased=False) + 1e-8).sqrt().mean([1,2,3])
            h = torch.cat([h, sd.repeat(g).view(b, 1, 1, 1).expand(b, 1, 7, 7)], 1)
        phi = h.flatten(1); pp = h.sum([2, 3]) if pool else phi
        return s.fc(phi).squeeze(1) + (0 if uncond else proj_scale * (s.proj(y) * pp).sum(1))
g, d = G(), D()
og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)); od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
B = 64
for step in range(1, steps + 1):
    cls = np.random.randint(0, K, B); idx = [byc[c][np.random.randint(len(byc[c]))] for c in cls]
    xr, yr = X[idx], Y[idx]; z = torch.randn(B, 100); yf = torch.randint(0, K, (B,))
    xf = g(z, yf)
    ld = F.softplus(-d(xr, yr)).mean() + F.softplus(d(xf.detach(), yf)).mean()
    od.zero_grad(); ld.backward(); od.step()
    lg = F.softplus(-d(xf, yf)).mean() + ca * g.kl; og.zero_grad(); lg.backward(); og.step()
    if step % 250 == 0: print(step, float(ld), float(lg), flush=True)
# diversity per class: mean pixel std across 64 samples (train-mode BN, mixed batch), vs real
g.train()
with torch.no_grad():
    zs = torch.randn(640, 100); ys = torch.arange(K).repeat_interleave(64)
    xs = g(zs, ys)
for c in range(K):
    fake = xs[ys == c]; real = X[byc[c][:64]]
    print(f'{names[c]:10s} fake std {float(fake.std(0).mean()):.3f}  real std {float(real.std(0).mean()):.3f}')
u8 = ((xs.numpy()[:, 0] + 1) * 127.5).clip(0, 255).astype(np.uint8).reshape(K, 64, 28, 28)[:, :12]
Image.fromarray(np.concatenate([np.concatenate(list(row), 1) for row in u8], 0)).resize((12 * 84, K * 84), Image.NEAREST).save(grid_path)
