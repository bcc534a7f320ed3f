import pytest

from catalog.tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db


def test_artwork_files_are_served_publicly_on_local_storage(client):
    artwork = ArtworkFactory()

    response = client.get(artwork.image.url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"".join(response.streaming_content) == artwork.image.open("rb").read()


@pytest.mark.parametrize("path", ["/media/masters/2026/11/ep001.mp4", "/media/artwork/../masters/x.mp4"])
def test_masters_and_paths_outside_artwork_are_not_served(client, settings, path):
    response = client.get(path)

    assert response.status_code in (400, 404)
