"""The event stream of distributed mode, on NATS JetStream."""
