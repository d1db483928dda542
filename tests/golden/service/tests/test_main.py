from fastapi.testclient import TestClient

from my_api.main import app


def test_health_answers_ok() -> None:
    client = TestClient(app)

    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
