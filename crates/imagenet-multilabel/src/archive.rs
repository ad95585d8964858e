//! Reading `ILSVRC2012_img_val.tar` (in progress).
