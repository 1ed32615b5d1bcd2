"""Vision: images of labs 1-3.

- ``data``: MNIST / Fashion-MNIST idx files and the train/validation/test split.
- ``photos``: any readable photo (JPEG, PNG, TIFF...) as a 224x224 RGB array.
- ``gradcam``: Grad-CAM heat maps on every backend.
- ``model_views``: first-layer filters and feature maps.
"""
