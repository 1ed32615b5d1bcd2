"""Lab 1 report (handed in as a script): VGG16 on my own photos.

Samuel Okafor -- Keras course, lab 1

I prefer to keep the report next to the code that produced the numbers, so this file is
both. Run it with ``python yd08_lab01_vgg16_inference_script.py photos/ labels.csv``; the
results I got are written below and again as comments next to the code that prints them.

WHAT I DID
----------
The task is image classification with a network somebody else trained: VGG16 from
``keras.applications`` with its ImageNet weights (1,000 classes, 138.4 M parameters, trained
on the 1.28 million ImageNet training images). Nothing is trained here. I took 14 photos
with my phone around the flat and on a walk, wrote the ImageNet class I expected for each
into ``labels.csv`` (e.g. ``espresso_maker``, ``mountain_bike``, ``tabby``), and ran the lab
on them plus this script, which does the same thing step by step so I could time it.

Machine: MacBook Air M1 (8 GB RAM), CPU only (tensorflow-macos 2.16, Keras 3, no Metal
plugin), Python 3.11.

Settings (the "hyperparameters" of an inference run):
    input size     224 x 224, centre crop of the shorter side (``--fit crop``)
    preprocessing  ``vgg16.preprocess_input``: RGB -> BGR, ImageNet mean subtracted per channel
    top-k          5
    unsure below   0.5 (a top-1 probability under this is reported as a guess)
    batch size     1 for latency, 14 (all photos) for throughput
    precision      float32

RESULTS
-------
    top-1 accuracy on my 14 photos   9 / 14 = 64.3 %
    top-5 accuracy                   12 / 14 = 85.7 %
    mean top-1 probability           0.61 (0.72 on the right ones, 0.41 on the wrong ones)
    photos flagged "unsure"          5, of which 4 are among the wrong ones

    latency, one photo               380 ms per image (median of 10 calls, after a
                                     first call of 2.1 s that includes tracing)
    throughput, batch of 14          3.4 s for the 14 photos = 4.1 images/s
    loading the model                 6.8 s (weights already downloaded, 528 MB)

The photos VGG16 got wrong (top-1), with my label and its answer:

    photo               true label (mine)    predicted (top-1, prob)       in top-5?
    boat_lake.jpg       canoe                lakeside (0.46)               yes, 2nd
    desk_lamp.jpg       table_lamp           spotlight (0.38)              yes, 3rd
    sourdough.jpg       French_loaf          bagel (0.29)                  no
    scooter.jpg         moped                motor_scooter (0.51)          yes, 2nd
    monstera.jpg        pot                  vase (0.41)                   no

Only five of my photos are wrong, so I cannot show more misclassified examples than these.

Crop vs squash: with ``--fit squash`` two photos changed their top-1. ``scooter.jpg`` (a
wide landscape photo) went from motor_scooter to moped, which is actually my label, and
``desk_lamp.jpg`` went from spotlight to table_lamp. Both are wide photos where the centre
crop cut off part of the object; squashing keeps the whole object but distorts it, and
here keeping the object mattered more.

Preprocessing: feeding the photo as RGB in 0..255 without ``preprocess_input`` changed the
cat photo from tabby (0.79) to tabby (0.31), tiger_cat (0.22), Egyptian_cat (0.14): same
class, much less sure. The banana photo was still correct. So the network is fairly robust
to the channel order on these, but the confidence drops a lot.

Grad-CAM: for most photos the heat map sits on the object. The interesting case is
``boat_lake.jpg``: the map covers the water and the far shore, not the canoe, and the
prediction is "lakeside". That is an understandable mistake, the photo is mostly lake.
``monstera.jpg`` is the opposite: the map is on the pot at the bottom, and "monstera" is not
an ImageNet class at all, so "vase" is as close as it can get.

Where the parameters are: 102.8 M of the 138.4 M parameters are in fc1 (the 25,088 x 4,096
Dense layer after Flatten), 74 %. Global average pooling instead of Flatten + fc1 would
shrink the model to about 15 M parameters and make it faster; ResNet50 did exactly this.

COMPARISON WITH THE PUBLISHED NUMBERS
-------------------------------------
Keras' Applications table gives VGG16 71.3 % top-1 and 90.1 % top-5 on the 50,000 ImageNet
validation images (single 224 crop), from Simonyan and Zisserman (2015). My 64.3 % / 85.7 %
is 7 and 4.4 points lower, but with 14 photos one photo is 7.1 points, so the gap is one
photo in top-1 and less than one in top-5: statistically my result is not different from
the published one. Still, I think my photos are a bit harder than ImageNet validation images
because (1) two of them show things whose correct class is not really in ImageNet
(monstera, sourdough), so my "true label" is a compromise, (2) phone photos are wider than
the mostly centred ImageNet photos, so the centre crop cuts objects, and (3) I took several
photos in dim light in the evening.

WHY IT FAILS (MY GUESS)
-----------------------
The errors are of two kinds. Either the object is not one of the 1,000 classes and the
network picks the nearest thing (vase for a plant pot, bagel for bread), or the object is
small and the scene dominates (lakeside). In both cases the top-1 probability is low
(under 0.5 in four of the five), so the "unsure" flag is a good warning. I would test the
second idea by cropping ``boat_lake.jpg`` around the canoe and checking if the prediction
changes to canoe.

WHAT I WOULD DO NEXT
--------------------
- Try a newer model: EfficientNetB0 or ConvNeXtTiny (``--compare-models``), which have a
  higher published top-1 and are smaller.
- For the classes ImageNet does not have, use ``--transfer`` with a few photos per class and
  train a new head on top of the pooled features.
- Average predictions over several crops (centre + corners) instead of one centre crop.

REFERENCES
----------
- Simonyan, K. and Zisserman, A. (2015). Very Deep Convolutional Networks for Large-Scale
  Image Recognition. ICLR. arXiv:1409.1556
- Deng, J. et al. (2009). ImageNet: A large-scale hierarchical image database. CVPR.
- Selvaraju, R. R. et al. (2017). Grad-CAM: Visual Explanations from Deep Networks via
  Gradient-based Localization. ICCV.
- Keras Applications table: https://keras.io/api/applications/
"""

import csv
import sys
import time
from pathlib import Path

import numpy as np
import keras
from keras.applications import vgg16

TOP_K = 5
UNSURE_BELOW = 0.5
SIZE = 224


def load_photo(path, fit="crop"):
    """Open a photo, make it 224x224 (centre crop of the shorter side, or squash)."""
    img = keras.utils.load_img(path)
    w, h = img.size
    if fit == "crop":
        s = min(w, h)
        left, top = (w - s) // 2, (h - s) // 2
        img = img.crop((left, top, left + s, top + s))
    img = img.resize((SIZE, SIZE))
    return keras.utils.img_to_array(img)


def main(folder, labels_csv=None):
    t0 = time.perf_counter()
    model = vgg16.VGG16(weights="imagenet")
    print(f"model loaded in {time.perf_counter() - t0:.1f} s")     # 6.8 s
    print(f"parameters: {model.count_params():,}")                  # 138,357,544

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    truth = {}
    if labels_csv:
        with open(labels_csv) as f:
            truth = {row["file"]: row["label"] for row in csv.DictReader(f)}

    batch = np.stack([load_photo(p) for p in paths])
    x = vgg16.preprocess_input(batch.copy())

    # latency: one photo at a time, first call separately (it traces the graph)
    t = time.perf_counter(); model.predict(x[:1], verbose=0)
    print(f"first call {time.perf_counter() - t:.2f} s")            # 2.1 s
    times = []
    for i in range(10):
        t = time.perf_counter(); model.predict(x[i % len(x):i % len(x) + 1], verbose=0)
        times.append(time.perf_counter() - t)
    print(f"latency: {1000 * np.median(times):.0f} ms per image")    # 380 ms

    # throughput: all photos in one batch
    t = time.perf_counter(); probs = model.predict(x, batch_size=len(x), verbose=0)
    dt = time.perf_counter() - t
    print(f"{len(x)} photos in {dt:.1f} s = {len(x) / dt:.1f} images/s")   # 14 in 3.4 s = 4.1 images/s

    top1 = top5 = 0
    for p, pr in zip(paths, probs):
        decoded = vgg16.decode_predictions(pr[None], top=TOP_K)[0]
        names = [d[1] for d in decoded]
        flag = "  (unsure)" if decoded[0][2] < UNSURE_BELOW else ""
        print(f"{p.name:18s} {names[0]:18s} {decoded[0][2]:.2f}{flag}")
        if p.name in truth:
            top1 += names[0] == truth[p.name]
            top5 += truth[p.name] in names
    if truth:
        n = len(truth)
        print(f"top-1 {top1}/{n} = {100 * top1 / n:.1f} %")   # 9/14 = 64.3 %
        print(f"top-5 {top5}/{n} = {100 * top5 / n:.1f} %")   # 12/14 = 85.7 %


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
