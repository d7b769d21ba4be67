"""colorizer: training, export and evaluation of the project's colorization models.

Modules: color (sRGB <-> CIELAB, CIEDE2000), data (tar shards, augmentation, hints),
tflite (minimal flatbuffer reader), mobilenet (MobileNetV2 + TFLite weight loading),
bins (ab bins, prior, rebalancing), model (the network), losses, train, export, quantize,
metrics / evaluate.
"""
