"""The domain core: Safeguarding's vocabulary as small typed objects.

Pure on purpose: stdlib and pydantic only, no I/O, and no clock or id calls
(the services pass those in), so every rule here can be tested in isolation.
"""
