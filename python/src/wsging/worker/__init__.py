"""The worker process: link codec, stream states, dispatch, runtime (`python -m wsging.worker`)."""
