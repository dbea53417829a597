#!/usr/bin/env python3
"""The app's icon, drawn from this script (the source): a blue rounded square with 「科」 in
white and a gold bar beneath, in the bundled Noto Sans CJK SC.

    python3 assets/icon/make_icon.py     # needs Pillow (pip install pillow)

Writes assets/icon/kczg-form-{16,24,32,48,64,128,256,512}.png and kczg-form.ico (16–256).
The outputs are committed; run again only to change the design.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = HERE.parent.parent / "fonts" / "NotoSansCJKsc-Subset.otf"
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
BLUE_TOP = (31, 98, 180)
BLUE_BOTTOM = (18, 62, 128)
GOLD = (242, 183, 5)


def draw(size: int) -> Image.Image:
    # Drawn at 4× and scaled down: smooth edges at every size.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    mask = Image.new("L", (big, big), 0)
    margin = big // 16
    ImageDraw.Draw(mask).rounded_rectangle(
        [margin, margin, big - margin, big - margin], radius=big // 5, fill=255
    )
    gradient = Image.new("RGBA", (big, big))
    for y in range(big):
        t = y / big
        colour = tuple(int(a + (b - a) * t) for a, b in zip(BLUE_TOP, BLUE_BOTTOM))
        ImageDraw.Draw(gradient).line([(0, y), (big, y)], fill=colour + (255,))
    image.paste(gradient, (0, 0), mask)
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), int(big * 0.56))
    text = "科"
    left, top, right, bottom = pen.textbbox((0, 0), text, font=font)
    x = (big - (right - left)) / 2 - left
    y = big * 0.44 - (bottom - top) / 2 - top
    pen.text((x, y), text, font=font, fill=(255, 255, 255, 255))
    bar_w, bar_h = big * 0.5, max(big * 0.06, 4)
    bar_top = big * 0.78
    pen.rounded_rectangle(
        [(big - bar_w) / 2, bar_top, (big + bar_w) / 2, bar_top + bar_h],
        radius=bar_h / 2,
        fill=GOLD + (255,),
    )
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(HERE / f"kczg-form-{size}.png", optimize=True)
    images[256].save(
        HERE / "kczg-form.ico",
        sizes=[(s, s) for s in SIZES if s <= 256],
    )


if __name__ == "__main__":
    main()
