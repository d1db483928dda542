"""The HTTP application.

Serve it with ``uvicorn billing_worker.main:app``.
"""

from fastapi import FastAPI

app = FastAPI(title="billing-worker")


@app.get("/health")
def health() -> dict[str, str]:
    """Tell load balancers and the container's health check that the service is up."""
    return {"status": "ok"}
