"""Subtitle files for the tests, built in code so each hostile input says what it is."""

from __future__ import annotations

THAI_LINES = ["สวัสดีครับ ยินดีต้อนรับ", "ขอบคุณมากครับ คุณแม่ของฉัน", "ไปกันเถอะ พรุ่งนี้เจอกันใหม่นะ"]


def srt(*cues: tuple[str, str, str], crlf: bool = False) -> str:
    """An SRT file of (start, end, text) cues, numbered."""
    blocks = [f"{n}\n{start} --> {end}\n{text}\n" for n, (start, end, text) in enumerate(cues, 1)]
    text = "\n".join(blocks)
    return text.replace("\n", "\r\n") if crlf else text


def thai_tis620_200_bytes() -> bytes:
    """A Thai SRT of about 200 bytes in TIS-620, the size at which detectors alone guess wrong."""
    cues = [
        ("00:00:01,000", "00:00:03,000", THAI_LINES[0]),
        ("00:00:04,000", "00:00:06,000", THAI_LINES[1]),
        ("00:00:07,000", "00:00:08,500", THAI_LINES[2]),
    ]
    data = srt(*cues).encode("tis-620")
    assert 180 <= len(data) <= 220, len(data)
    return data


BILLION_LAUGHS_TTML = """<?xml version="1.0"?>
<!DOCTYPE tt [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tt xmlns="http://www.w3.org/ns/ttml"><body><div>
<p begin="00:00:01.000" end="00:00:02.000">&lol9;</p>
</div></body></tt>
"""

TTML_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling"
    xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="25" ttp:tickRate="10000000" xml:lang="en">
  <head>
    <styling>
      <style xml:id="it" tts:fontStyle="italic"/>
      <style xml:id="itb" style="it" tts:fontWeight="bold"/>
    </styling>
    <layout>
      <region xml:id="top" tts:origin="10% 5%" tts:extent="80% 20%" tts:displayAlign="before"/>
      <region xml:id="bottom" tts:origin="10% 75%" tts:extent="80% 20%" tts:displayAlign="after"/>
    </layout>
  </head>
  <body region="bottom">
    <div>
      <p begin="00:00:01.000" end="00:00:02.500">Hello <span style="it">there</span><br/>second   line</p>
      <p begin="00:00:03:05" end="00:00:04:00" region="top">Frames &amp; <span tts:textDecoration="underline">top</span></p>
      <p begin="50000000t" dur="1.5s"><span style="itb">Ticks</span></p>
    </div>
    <div begin="10s">
      <p begin="1s" end="2s">Offset by its div</p>
    </div>
  </body>
</tt>
"""
