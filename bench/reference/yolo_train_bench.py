#!/usr/bin/env python3
"""PyTorch reference of Kestrel's detector for `npm run bench -- backend`.

Builds the same network as electron/engine/model/detector.ts from the resolved architecture
(JSON written by bench/backend.ts from resolveArchitecture), runs the same surrogate training
step (forward, loss = mean(box^2) + mean(cls^2), backward; no optimizer update) and prints one
JSON line: median seconds per step and the process's peak RSS.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """Conv (no bias) + BatchNorm(eps 1e-3, momentum 0.03) or GroupNorm + SiLU."""

    def __init__(self, c, norm):
        super().__init__()
        self.conv = nn.Conv2d(c["cIn"], c["cOut"], c["k"], c["s"], c["k"] // 2, bias=False)
        if norm == "batch":
            self.norm = nn.BatchNorm2d(c["cOut"], eps=1e-3, momentum=0.03)
        else:
            self.norm = nn.GroupNorm(c["groups"], c["cOut"], eps=1e-3)

    def forward(self, x):
        return F.silu(self.norm(self.conv(x)))


class Net(nn.Module):
    def __init__(self, arch, norm):
        super().__init__()
        self.nodes = arch["nodes"]
        self.mods = nn.ModuleDict()
        for node in self.nodes:
            for c in node["convs"]:
                key = c["name"].replace(".", "_")
                if c["block"]:
                    self.mods[key] = Block(c, norm)
                else:
                    self.mods[key] = nn.Conv2d(c["cIn"], c["cOut"], 1, 1, 0, bias=True)

    def m(self, name):
        return self.mods[name.replace(".", "_")]

    def forward(self, images):
        outs = []
        result = None
        for node in self.nodes:
            ins = [images if f < 0 else outs[f] for f in node["from"]]
            x = ins[0]
            kind = node["def"]["kind"]
            p = "m%d" % node["index"]
            if kind == "conv":
                y = self.m(p)(x)
            elif kind == "c2f":
                t = self.m(p + ".cv1")(x)
                parts = list(t.chunk(2, 1))
                cur = parts[1]
                for i in range(node["depth"]):
                    u = self.m("%s.m%d.cv2" % (p, i))(self.m("%s.m%d.cv1" % (p, i))(cur))
                    cur = cur + u if node["def"]["shortcut"] else u
                    parts.append(cur)
                y = self.m(p + ".cv2")(torch.cat(parts, 1))
            elif kind == "sppf":
                y0 = self.m(p + ".cv1")(x)
                k = node["def"]["k"]
                y1 = F.max_pool2d(y0, k, 1, k // 2)
                y2 = F.max_pool2d(y1, k, 1, k // 2)
                y3 = F.max_pool2d(y2, k, 1, k // 2)
                y = self.m(p + ".cv2")(torch.cat([y0, y1, y2, y3], 1))
            elif kind == "upsample":
                y = F.interpolate(x, scale_factor=2, mode="nearest")
            elif kind == "concat":
                y = torch.cat(ins, 1)
            elif kind == "detect":
                boxes, classes = [], []
                for level, xi in enumerate(ins):
                    b = self.m("%s.box%d.1" % (p, level))(self.m("%s.box%d.0" % (p, level))(xi))
                    boxes.append(self.m("%s.box%d.2" % (p, level))(b).flatten(2))
                    c = self.m("%s.cls%d.1" % (p, level))(self.m("%s.cls%d.0" % (p, level))(xi))
                    classes.append(self.m("%s.cls%d.2" % (p, level))(c).flatten(2))
                result = (torch.cat(boxes, 2), torch.cat(classes, 2))
                y = x
            outs.append(y)
        return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--imgsz", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--norm", default="batch")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    with open(a.arch) as f:
        arch = json.load(f)
    net = Net(arch, a.norm).train()
    images = torch.rand(a.batch, 3, a.imgsz, a.imgsz)
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        net.zero_grad(set_to_none=True)
        box, cls = net(images)
        loss = box.square().mean() + cls.square().mean()
        loss.backward()
        dt = time.perf_counter() - t0
        if i >= a.warmup:
            times.append(dt)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"secondsPerStep": statistics.median(times), "steps": len(times), "maxRssBytes": rss,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "params": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    main()
