"""The HTTP application.

Serve it with ``uvicorn my_api.main:app``.
"""

from fastapi import FastAPI

app = FastAPI(title="my-api")


@app.get("/health")
def health() -> dict[str, str]:
    """Tell load balancers and the container's health check that the service is up."""
    return {"status": "ok"}
