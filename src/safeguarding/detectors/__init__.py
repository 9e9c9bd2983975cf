"""Built-in detectors. They register through the same entry points as third-party ones."""
