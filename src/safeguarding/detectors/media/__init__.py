"""Media matching: perceptual hashes of images and video, and the indexes that match them."""
