"""Chinese text: normalisation with its offset map, traditional→simplified, word segmentation."""
