#!/usr/bin/python3
"""PyTorch reference for gan-augment's speed benchmarks (CPU).

Re-implements the project's default conditional DCGAN so that the TypeScript/tfjs
training and generation throughput can be compared against a mainstream framework
on the same machine. Run it with Debian's interpreter (torch 1.13 CPU, PIL, numpy):

    /usr/bin/python3 bench/reference/dcgan_torch.py --mode train --threads 1 --iters 20
    /usr/bin/python3 bench/reference/dcgan_torch.py --mode generate --threads 2 --count 2560 --out /tmp/gen
    /usr/bin/python3 bench/reference/dcgan_torch.py --mode serve   # JSON lines on stdin (bench/run.mjs)

See bench/reference/README.md for the architecture and measured figures.
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from PIL import Image
except ImportError as err:  # pragma: no cover - environment problem
    sys.exit(
        f"dcgan_torch.py: {err}. Run it with Debian's /usr/bin/python3 "
        "(packages python3-torch, python3-numpy, python3-pil), not another python3 on PATH."
    )

NUM_CLASSES = 10
CLASS_NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
FMNIST_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


# --------------------------------------------------------------------------- model

class Generator(nn.Module):
    """z(latent) ++ embed(label) -> Linear -> BN -> LReLU -> reshape(s/4, s/4, width)
    -> ConvT(width -> width/2, 5x5, s2) -> BN -> LReLU -> ConvT(width/2 -> C, 5x5, s2) -> tanh."""

    def __init__(self, size=28, channels=1, latent=100, embed=50, width=128):
        super().__init__()
        assert size % 4 == 0, "size must be a multiple of 4 (two stride-2 upsamplings)"
        self.s0 = size // 4
        self.width = width
        self.embed = nn.Embedding(NUM_CLASSES, embed)
        self.fc = nn.Linear(latent + embed, self.s0 * self.s0 * width)
        # BatchNorm sits between the Linear and the reshape (Keras-style Dense -> BN),
        # so it normalises each of the s0*s0*width features.
        self.bn0 = nn.BatchNorm1d(self.s0 * self.s0 * width)
        self.up1 = nn.ConvTranspose2d(width, width // 2, 5, stride=2, padding=2, output_padding=1)
        self.bn1 = nn.BatchNorm2d(width // 2)
        self.up2 = nn.ConvTranspose2d(width // 2, channels, 5, stride=2, padding=2, output_padding=1)

    def forward(self, z, y):
        h = torch.cat([z, self.embed(y)], dim=1)
        h = F.leaky_relu(self.bn0(self.fc(h)), 0.2)
        h = h.view(-1, self.width, self.s0, self.s0)
        h = F.leaky_relu(self.bn1(self.up1(h)), 0.2)
        return torch.tanh(self.up2(h))


class Discriminator(nn.Module):
    """[image ++ embed(label) as an H x W channel] -> Conv(64, 5x5, s2) -> LReLU
    -> Conv(128, 5x5, s2) -> LReLU -> flatten -> Linear(1) (logit)."""

    def __init__(self, size=28, channels=1, width=64):
        super().__init__()
        self.size = size
        self.embed = nn.Embedding(NUM_CLASSES, size * size)
        self.conv1 = nn.Conv2d(channels + 1, width, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(width, width * 2, 5, stride=2, padding=2)
        s = size // 4
        self.fc = nn.Linear(width * 2 * s * s, 1)

    def forward(self, x, y):
        lab = self.embed(y).view(-1, 1, self.size, self.size)
        h = torch.cat([x, lab], dim=1)
        h = F.leaky_relu(self.conv1(h), 0.2)
        h = F.leaky_relu(self.conv2(h), 0.2)
        return self.fc(h.flatten(1)).squeeze(1)


# --------------------------------------------------------------------------- data

def load_fmnist_train():
    """Fashion-MNIST train split as float32 [-1, 1] tensor (N,1,28,28) + int64 labels."""
    img_path = os.path.join(FMNIST_DIR, "train-images-idx3-ubyte.gz")
    lbl_path = os.path.join(FMNIST_DIR, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(img_path) and os.path.exists(lbl_path)):
        return None
    with gzip.open(img_path, "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(lbl_path, "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def make_data(args):
    if args.data in ("auto", "fmnist") and args.size == 28 and args.channels == 1:
        d = load_fmnist_train()
        if d is not None:
            return d, "fmnist"
        if args.data == "fmnist":
            sys.exit(f"dcgan_torch.py: Fashion-MNIST not found in {FMNIST_DIR}; "
                     "apt-get install dataset-fashion-mnist, or use --data random")
    elif args.data == "fmnist":
        sys.exit("dcgan_torch.py: --data fmnist needs --size 28 --channels 1")
    # Synthetic stand-in (speed does not depend on pixel values).
    n = 4096
    x = torch.rand(n, args.channels, args.size, args.size) * 2 - 1
    y = torch.randint(0, NUM_CLASSES, (n,))
    return (x, y), "random"


# --------------------------------------------------------------------------- modes

def train(args):
    (xs, ys), source = make_data(args)
    G = Generator(args.size, args.channels)
    D = Discriminator(args.size, args.channels)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    B = args.batch
    ones = torch.ones(B)
    zeros = torch.zeros(B)
    n = xs.shape[0]
    G.train()
    D.train()

    times = []
    loss_d = loss_g = float("nan")
    for it in range(args.warmup + args.iters):
        t0 = time.perf_counter()
        idx = torch.randint(0, n, (B,))
        real, y_real = xs[idx], ys[idx]

        # D step: real batch + a batch of fakes (random labels), G not updated.
        z = torch.randn(B, 100)
        y_fake = torch.randint(0, NUM_CLASSES, (B,))
        with torch.no_grad():
            fake = G(z, y_fake)
        opt_d.zero_grad(set_to_none=True)
        ld = bce(D(real, y_real), ones) + bce(D(fake, y_fake), zeros)
        ld.backward()
        opt_d.step()

        # G step: fresh noise/labels, non-saturating loss (fakes labelled real).
        z = torch.randn(B, 100)
        y_fake = torch.randint(0, NUM_CLASSES, (B,))
        opt_g.zero_grad(set_to_none=True)
        lg = bce(D(G(z, y_fake), y_fake), ones)
        lg.backward()
        opt_g.step()

        dt = time.perf_counter() - t0
        if it >= args.warmup:
            times.append(dt)
        loss_d, loss_g = ld.item(), lg.item()

    med = statistics.median(times)
    return {
        "imgPerSec": B / med,
        "iters": args.iters,
        "warmup": args.warmup,
        "batch": B,
        "medianIterMs": med * 1000,
        "meanIterMs": statistics.fmean(times) * 1000,
        "minIterMs": min(times) * 1000,
        "maxIterMs": max(times) * 1000,
        "data": source,
        "lossD": loss_d,
        "lossG": loss_g,
    }


def to_uint8(x):
    """(N,C,H,W) tanh output -> (N,H,W[,C]) uint8."""
    a = ((x + 1.0) * 127.5).round().clamp_(0, 255).to(torch.uint8)
    a = a.permute(0, 2, 3, 1).numpy()
    return a[..., 0] if a.shape[-1] == 1 else a


def generate(args):
    if not args.out:
        sys.exit("dcgan_torch.py: --mode generate needs --out DIR")
    G = Generator(args.size, args.channels)
    G.eval()
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    for name in CLASS_NAMES:
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
    mode = "L" if args.channels == 1 else "RGB"
    gb = args.gen_batch
    per_class = [0] * NUM_CLASSES

    with torch.no_grad():
        for _ in range(args.warmup):  # warm-up batches: not written, not timed
            G(torch.randn(gb, 100), torch.randint(0, NUM_CLASSES, (gb,)))

        t0 = time.perf_counter()
        t_model = 0.0
        done = 0
        while done < args.count:
            b = min(gb, args.count - done)
            y = (torch.arange(done, done + b) % NUM_CLASSES)
            tm = time.perf_counter()
            imgs = to_uint8(G(torch.randn(b, 100), y))
            t_model += time.perf_counter() - tm
            for k in range(b):
                c = int(y[k])
                path = os.path.join(args.out, CLASS_NAMES[c], f"{CLASS_NAMES[c]}-{per_class[c]:05d}.png")
                Image.fromarray(imgs[k], mode).save(path, compress_level=args.png_level)
                per_class[c] += 1
            done += b
        total = time.perf_counter() - t0

    return {
        "imgPerSec": args.count / total,
        "modelImgPerSec": args.count / t_model,
        "count": args.count,
        "genBatch": gb,
        "seconds": total,
        "modelSeconds": t_model,
        "pngLevel": args.png_level,
        "out": args.out,
    }


# --------------------------------------------------------------------------- serve

class TrainState:
    """G, D, their optimisers and a data pool for one (size, channels, batch), kept between requests."""

    def __init__(self, size, channels, batch, seed=0):
        torch.manual_seed(seed)
        n = 4 * batch
        self.xs = torch.rand(n, channels, size, size) * 2 - 1
        self.ys = torch.randint(0, NUM_CLASSES, (n,))
        self.G = Generator(size, channels)
        self.D = Discriminator(size, channels)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()
        self.B = batch
        self.ones = torch.ones(batch)
        self.zeros = torch.zeros(batch)

    def iteration(self):
        """One D step + one G step, exactly as train() does them."""
        B = self.B
        idx = torch.randint(0, self.xs.shape[0], (B,))
        real, y_real = self.xs[idx], self.ys[idx]
        z = torch.randn(B, 100)
        y_fake = torch.randint(0, NUM_CLASSES, (B,))
        with torch.no_grad():
            fake = self.G(z, y_fake)
        self.opt_d.zero_grad(set_to_none=True)
        ld = self.bce(self.D(real, y_real), self.ones) + self.bce(self.D(fake, y_fake), self.zeros)
        ld.backward()
        self.opt_d.step()
        z = torch.randn(B, 100)
        y_fake = torch.randint(0, NUM_CLASSES, (B,))
        self.opt_g.zero_grad(set_to_none=True)
        lg = self.bce(self.D(self.G(z, y_fake), y_fake), self.ones)
        lg.backward()
        self.opt_g.step()
        return ld.item(), lg.item()


class ClassifierState:
    """gan-augment's classifier (src/classifier/model.ts: conv 3×3 stride 2 + ReLU at 16, 32, 64 channels,
    global average pool, dense), Adam at 2e-3, one fixed batch: the same work per step as the tfjs side."""

    def __init__(self, size, channels, batch, seed=0):
        torch.manual_seed(seed)
        layers, c = [], channels
        for w in (16, 32, 64):
            layers += [nn.Conv2d(c, w, 3, 2, 1), nn.ReLU()]
            c = w
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, NUM_CLASSES))
        self.opt = torch.optim.Adam(self.net.parameters(), lr=2e-3)
        self.loss = nn.CrossEntropyLoss()
        self.x = torch.rand(batch, channels, size, size) * 2 - 1
        self.y = torch.arange(batch) % NUM_CLASSES
        self.B = batch

    def iteration(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.net(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()


def serve(args):
    """JSON-lines server for bench/run.mjs, so PyTorch and tfjs can take turns in one run (A B A B ...)
    without paying process start-up and warm-up each turn. One request per stdin line, one JSON reply
    per stdout line:
      {"cmd":"train","threads":1,"iters":10,"size":28,"channels":1,"batch":64}
          -> {"msPerIter":[...], "imgPerSec":<median>}  (the first request for a shape also warms up)
      {"cmd":"generate","threads":1,"count":2560,"out":DIR,"size":28,"channels":1}
          -> the same JSON as --mode generate
      {"cmd":"classifier","threads":1,"iters":60} -> as train, for gan-augment's classifier (Adam steps)
      {"cmd":"rss"} -> {"maxRssMB": ...}
    """
    import resource
    states = {}
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req.get("cmd")
        try:
            if "threads" in req:
                torch.set_num_threads(int(req["threads"]))
            if cmd in ("train", "classifier"):
                key = (cmd, req.get("size", 28), req.get("channels", 1), req.get("batch", 64))
                if key not in states:
                    states[key] = (TrainState if cmd == "train" else ClassifierState)(*key[1:], seed=args.seed)
                    for _ in range(int(req.get("warmup", 3))):
                        states[key].iteration()
                st = states[key]
                times = []
                cpu = []
                for _ in range(int(req.get("iters", 10))):
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    st.iteration()
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                med = statistics.median(times)
                # process_time: CPU time of every thread of the process (see tfjs-worker.mjs).
                reply = {"msPerIter": times, "medianMs": med, "imgPerSec": st.B / (med / 1000),
                         "cpuMsPerIter": cpu, "imgPerCpuSec": st.B / (statistics.median(cpu) / 1000)}
            elif cmd == "generate":
                ns = argparse.Namespace(**{**vars(args), "out": req["out"], "count": int(req.get("count", 2560)),
                                           "size": int(req.get("size", 28)), "channels": int(req.get("channels", 1)),
                                           "gen_batch": int(req.get("genBatch", 256)), "warmup": int(req.get("warmup", 1))})
                reply = generate(ns)
            elif cmd == "rss":
                reply = {"maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
            elif cmd == "quit":
                break
            else:
                reply = {"error": f"unknown cmd {cmd!r}"}
        except Exception as err:  # report, keep serving
            reply = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)


# --------------------------------------------------------------------------- cli

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["train", "generate", "serve"], default="train")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all cores)")
    p.add_argument("--iters", type=int, default=50, help="timed training iterations")
    p.add_argument("--warmup", type=int, default=5, help="untimed warm-up iterations (train) / batches (generate)")
    p.add_argument("--batch", type=int, default=64, help="real images per training iteration")
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, choices=[1, 3], default=1)
    p.add_argument("--data", choices=["auto", "fmnist", "random"], default="auto",
                   help="training images: Fashion-MNIST (28x28x1 only) or random tensors")
    p.add_argument("--out", help="output folder for generate (cleared first)")
    p.add_argument("--count", type=int, default=2560, help="images to generate")
    p.add_argument("--gen-batch", type=int, default=256, help="images per generator call")
    p.add_argument("--png-level", type=int, default=6, help="PNG zlib level for generate (PIL default 6)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    args = p.parse_args()
    if args.size % 4 != 0 or args.size < 8:
        p.error("--size must be a multiple of 4 and >= 8")
    if args.threads < 1 or args.iters < 1 or args.batch < 2 or args.count < 1 or args.warmup < 0:
        p.error("--threads/--iters/--count must be >= 1, --batch >= 2, --warmup >= 0")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    if args.mode == "serve":
        serve(args)
        return
    res = train(args) if args.mode == "train" else generate(args)
    res = {"mode": args.mode, "threads": args.threads, **res,
           "size": args.size, "channels": args.channels, "torch": torch.__version__}
    if args.mode == "generate":
        res["iters"] = -(-args.count // args.gen_batch)  # generator calls
    if args.json:
        print(json.dumps(res))
    elif args.mode == "train":
        print(f"train {args.size}x{args.size}x{args.channels} batch {res['batch']} threads {args.threads} "
              f"(torch {torch.__version__}, data {res['data']}): "
              f"{res['imgPerSec']:.1f} img/s  median {res['medianIterMs']:.1f} ms/iter "
              f"[min {res['minIterMs']:.1f}, max {res['maxIterMs']:.1f}] over {args.iters} iters "
              f"after {args.warmup} warm-up; lossD {res['lossD']:.3f} lossG {res['lossG']:.3f}")
    else:
        print(f"generate {args.size}x{args.size}x{args.channels} threads {args.threads} "
              f"(torch {torch.__version__}): {res['count']} PNGs in {res['seconds']:.2f} s = "
              f"{res['imgPerSec']:.1f} img/s incl. PNG writing "
              f"(generator alone {res['modelImgPerSec']:.1f} img/s) -> {args.out}")


if __name__ == "__main__":
    main()
