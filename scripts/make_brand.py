"""Draw the integration's icon: a speech bubble under signal bars.

    .venv/bin/python scripts/make_brand.py

Writes `custom_components/sms_gateway/brand/icon.png` (256×256) and
`icon@2x.png` (512×512), drawn at four times the size and scaled down so the
edges are smooth. The background is transparent, as Home Assistant's brand
images are.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).parent.parent / "custom_components" / "sms_gateway" / "brand"
BLUE = (3, 169, 244, 255)  # Home Assistant's primary colour
DARK = (1, 87, 155, 255)
WHITE = (255, 255, 255, 255)
SCALE = 4


def draw(size: int) -> Image.Image:
    """The icon at `size` pixels square."""
    big = size * SCALE
    unit = big / 64  # the design is on a 64 × 64 grid
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * unit, y0 * unit, x1 * unit, y1 * unit]

    # The bubble, with its tail at the lower left.
    pen.rounded_rectangle(box(3, 18, 46, 50), radius=9 * unit, fill=BLUE)
    pen.polygon(
        [(9 * unit, 46 * unit), (7 * unit, 60 * unit), (21 * unit, 49 * unit)],
        fill=BLUE,
    )
    # Three dots: a message being typed.
    for x in (14, 24.5, 35):
        pen.ellipse(box(x - 3.5, 30.5, x + 3.5, 37.5), fill=WHITE)
    # Signal bars at the upper right, rising.
    for index, height in enumerate((8, 14, 20)):
        left = 50 + index * 5
        pen.rounded_rectangle(
            box(left, 24 - height, left + 3.5, 24), radius=1.5 * unit, fill=DARK
        )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write both sizes."""
    BRAND.mkdir(exist_ok=True)
    draw(256).save(BRAND / "icon.png", optimize=True)
    draw(512).save(BRAND / "icon@2x.png", optimize=True)


if __name__ == "__main__":
    main()
