"""Text detectors: self-harm and suicide content, with teen-register normalisation to share."""
