from dataclasses import dataclass

from integrations.portal.tiles import tile_origin, tiles_for

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass
class View:
    min_lon: float = 107.55
    min_lat: float = 16.44
    max_lon: float = 107.62
    max_lat: float = 16.49
    width_px: int = 340
    height_px: int = 243


def test_tiles_cover_the_whole_map_at_a_matching_zoom() -> None:
    view = View()
    tiles = tiles_for(view, OSM)
    assert {t.url.split("/")[3] for t in tiles} == {"13"}  # 213 px per tile at this scale
    assert min(t.left for t in tiles) <= 0
    assert min(t.top for t in tiles) <= 0
    assert max(t.left + t.width for t in tiles) >= view.width_px
    assert max(t.top + t.height for t in tiles) >= view.height_px
    # The centre of Huế (16.465 N, 107.585 E) lies in OSM tile 13/6544/3716.
    assert "https://tile.openstreetmap.org/13/6544/3716.png" in {t.url for t in tiles}


def test_tile_origin_for_the_content_security_policy() -> None:
    assert tile_origin(OSM) == "https://tile.openstreetmap.org"
    assert tile_origin("https://{s}.tile.example.vn/{z}/{x}/{y}.png") == "https://a.tile.example.vn"
