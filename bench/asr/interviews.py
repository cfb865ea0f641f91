"""Interview sets for the speaker and vocabulary benchmark: espeak-ng conversations with timed turns.

Two- and three-voice conversations (interviewer and narrators) in English and Russian, different
espeak-ng voices, pitch and speed, short and long turns, a little overlap, room noise and a short room
echo, written at 8-48 kHz as MP3, Ogg, M4A, FLAC or WAV. The truth beside each file (`<name>.json`)
holds the turns (start, end, speaker, text), the speakers' names and the archivist metadata an
interview would come with (interviewer, interviewee, title, language).

Two halves that share no sentence: `dev` (used while choosing the prompt and clustering settings) and
`test` (scored only). `VOICE_PLANS`: a test half and a dev half, the same scripts and treatment spoken by Flite
and Festival voices that nobody on the project wrote or tuned on (the voices: `voices.py`; one place to
add a synthesiser). Made once into `~/.cache/samizdat-bench/interviews/` (about 3 MB per 10 minutes).
Run: `python bench/asr/interviews.py` (prints what it made).
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from voices import effective, person, say

RATE = 16_000
CACHE = Path.home() / ".cache" / "samizdat-bench" / "interviews"

# Questions and answers: the archive's names (catalogued and not: OVIR, Slepak, Lerner are not in the
# authority list) in ordinary interview sentences. Even-numbered lines go to dev, odd ones to test.
QUESTIONS_EN = [
    "When did your family first apply to leave?",
    "What did the people at OVIR tell you?",
    "How did you meet Natan Sharansky?",
    "Who taught Hebrew in your apartment?",
    "What did you hear about the Leningrad hijacking?",
    "Did you ever write to Ida Nudel in exile?",
    "What happened after the Six-Day War?",
    "How did samizdat reach you?",
    "Tell me about the demonstrations in Moscow.",
    "What did the Jackson-Vanik amendment change for you?",
    "How long were you a refusenik?",
    "What did you feel when you heard about glasnost?",
    "Who visited you from abroad?",
    "How did you get news from Israel?",
    "What was the diploma tax?",
    "When did you finally make aliyah?",
    "What did Yosef Begun say at his trial?",
    "Where did you go after Vienna?",
    "Do you remember Solidarity Sunday in New York?",
    "What did you think of Gorbachev at the time?",
]
ANSWERS_EN = [
    "We applied for an exit visa in the spring of nineteen seventy two, and the answer took eleven months.",
    "The clerk at OVIR said my father knew state secrets, so the whole family became refuseniks overnight.",
    "I met Natan Sharansky at a seminar in a small kitchen, he translated for foreign journalists.",
    "Vladimir Slepak lent us a typewriter, and we copied Hebrew lessons by hand at night.",
    "After the Leningrad hijacking trial everyone understood that the authorities were afraid of us.",
    "Ida Nudel sent postcards from Siberia, and we read every one of them aloud to the children.",
    "The Six-Day War changed everything, suddenly young people wanted to learn Hebrew and go to Israel.",
    "Samizdat came as thin carbon copies, we had one night to read a book and pass it on.",
    "We stood outside the Supreme Soviet with small signs, and the police took us away within minutes.",
    "People said the Jackson-Vanik amendment would open the gates, but for us nothing moved for years.",
    "Alexander Lerner was the oldest refusenik we knew, and scientists came to his apartment every week.",
    "When glasnost started, the letters from the Jewish Agency stopped coming back unopened.",
    "Students from the Student Struggle for Soviet Jewry brought medicine, books and warm coats.",
    "We listened to Voice of America and Radio Liberty late at night with the sound turned low.",
    "The diploma tax meant that my sister had to pay for her own education before she could leave.",
    "We made aliyah in nineteen eighty seven and landed at Ben Gurion Airport in the middle of the night.",
    "Yosef Begun told the court that teaching Hebrew was not a crime, and he was sent away again.",
    "From Vienna some families went to Rome and on to America with help from HIAS.",
    "Thousands of people marched on Solidarity Sunday, and we heard about it on the BBC.",
    "Gorbachev spoke about perestroika, but the Prisoners of Zion were still in the camps.",
    "My grandfather remembered the pogroms and Babi Yar, and he never talked about them.",
    "Veniamin Levich lost his laboratory the day he asked to go to Israel.",
    "Golda Meir spoke about us in the Knesset, and someone brought the newspaper to Moscow.",
    "Brezhnev signed the Helsinki Final Act, and we began to quote it in every letter we wrote.",
]
QUESTIONS_RU = [
    "Когда ваша семья подала документы на выезд?",
    "Что вам сказали в ОВИРе?",
    "Как вы познакомились с Щаранским?",
    "Кто преподавал иврит в вашей квартире?",
    "Что вы слышали о ленинградском процессе?",
    "Вы писали Иде Нудель в ссылку?",
    "Как к вам попадал самиздат?",
    "Когда вы наконец совершили алию?",
]
ANSWERS_RU = [
    "Мы подали документы весной семьдесят второго года и ждали ответа почти год.",
    "В ОВИРе сказали, что отец знает государственные секреты, и мы стали отказниками.",
    "Я познакомился со Щаранским на семинаре, он переводил для иностранных журналистов.",
    "Иосиф Бегун преподавал иврит у нас дома, по вечерам приходили десять человек.",
    "После ленинградского процесса все поняли, что власти нас боятся.",
    "Ида Нудель присылала открытки из Сибири, и мы читали их вслух детям.",
    "Самиздат приходил тонкими копиями, книгу давали на одну ночь.",
    "Мы совершили алию в восемьдесят седьмом году и прилетели в Израиль ночью.",
    "Мы слушали Голос Америки и Радио Свобода поздно ночью.",
    "Когда началась перестройка, письма из Израиля перестали возвращаться.",
]
NAMES = {
    "interviewer": ["Ruth Adler", "Daniel Brooks", "Miriam Cohen", "Paul Gordon"],
    "interviewee": ["Boris Kaplan", "Lena Feldman", "Yakov Rubin", "Sofia Weiss", "Mark Segal", "Dina Roth"],
}
VOICES_EN = ["en-us", "en-gb", "en-gb-x-rp", "en-us+f3", "en-gb-scotland+m3", "en-us+f2", "en+m1", "en-029+f4"]
VOICES_RU = ["ru", "ru+f3", "ru-lv+m3", "ru+f2"]


@dataclass(frozen=True)
class Plan:
    """One interview to make: how many voices, in what language, for how long, written how."""

    name: str
    half: str
    language: str
    voices: int
    minutes: float
    rate: int
    codec: str  # mp3 | ogg | m4a | flac | wav
    seed: int
    pause_s: tuple[float, float] | None = None  # tape running, nobody speaking, after about one turn in eight
    family: str = ""  # "" for the first sets, "clear-" for the clear-speech sets (see CLEAR)
    pool: tuple[str, ...] | None = None  # voices to draw from; None: all of VOICES_EN / VOICES_RU
    pitch: tuple[int, int] = (25, 75)  # in the synthesiser's own units (voices.py)
    speed: tuple[int, int] = (135, 180)
    echo: bool = True


PLANS = [
    Plan("dev-en2-a", "dev", "en", 2, 2.5, 16_000, "mp3", 11),
    Plan("dev-en2-b", "dev", "en", 2, 2.5, 44_100, "ogg", 12),
    Plan("dev-en3-a", "dev", "en", 3, 2.5, 22_050, "m4a", 13),
    Plan("dev-ru2-a", "dev", "ru", 2, 1.5, 16_000, "flac", 14),
    Plan("test-en2-a", "test", "en", 2, 3.0, 8_000, "mp3", 21),
    Plan("test-en2-b", "test", "en", 2, 3.0, 48_000, "ogg", 22),
    Plan("test-en2-c", "test", "en", 2, 3.0, 22_050, "m4a", 23),
    Plan("test-en2-d", "test", "en", 2, 3.0, 16_000, "wav", 24),
    Plan("test-en3-a", "test", "en", 3, 3.0, 44_100, "mp3", 25),
    Plan("test-en3-b", "test", "en", 3, 3.0, 32_000, "flac", 26),
    Plan("test-ru2-a", "test", "ru", 2, 1.5, 16_000, "m4a", 27),
]
CLEAR_VOICES = ("en-us", "en-us+f3", "en-gb-x-rp", "en-gb-x-rp+f2")
"""The clear-speech sets (issue 12's own material: two or three voices, clear speech, natural speeds, 16-48 kHz,
some noise). Rules fixed before any transcript of them was looked at: espeak-ng's two reference English voices
(General American, Received Pronunciation) and a female variant of each, no regional voice (the first sets'
Scottish and Caribbean voices at 8 kHz made plain base 65 % WER: that measures espeak); pitch 40-60 around
espeak's 50, 150-175 words a minute (its default is 175; conversation is 150-160); the same room tone as the
first sets, no room echo; 16-48 kHz, lossless or Ogg/M4A/MP3 at their usual rates; the same sentences, split
dev/test the same way."""


def _clear(name: str, voices: int, minutes: float, rate: int, codec: str, seed: int) -> Plan:
    return Plan(name, name.split("-")[0], "en", voices, minutes, rate, codec, seed,
                family="clear-", pool=CLEAR_VOICES, pitch=(40, 60), speed=(150, 175), echo=False)


PLANS += [
    _clear("dev-clear-en2-a", 2, 2.5, 44_100, "flac", 41),
    _clear("dev-clear-en3-a", 3, 2.5, 16_000, "wav", 42),
    _clear("test-clear-en2-a", 2, 3.0, 48_000, "ogg", 51),
    _clear("test-clear-en2-b", 2, 3.0, 16_000, "flac", 52),
    _clear("test-clear-en2-c", 2, 3.0, 22_050, "m4a", 53),
    _clear("test-clear-en3-a", 3, 3.0, 44_100, "mp3", 54),
]
FLITE_VOICES_EN = (
    "flite:awb", "flite:rms", "flite:slt", "flite:kal16", "festival:ked_diphone", "festival:cmu_us_slt_arctic_hts"
)
FLITE_VOICES_RU = ("festival:msu_ru_nsh_clunits", "festival:msu_ru_nsh_clunits+5st")


def _flite(name: str, language: str, voices: int, minutes: float, rate: int, codec: str, seed: int) -> Plan:
    return Plan(name, name.split("-")[0], language, voices, minutes, rate, codec, seed, family="flite-",
                pool=FLITE_VOICES_EN if language == "en" else FLITE_VOICES_RU, pitch=(88, 115), speed=(90, 112))


VOICE_PLANS = [
    _flite("test-flite-en2-a", "en", 2, 3.0, 8_000, "mp3", 61),
    _flite("test-flite-en2-b", "en", 2, 3.0, 48_000, "ogg", 62),
    _flite("test-flite-en2-c", "en", 2, 3.0, 22_050, "m4a", 63),
    _flite("test-flite-en2-d", "en", 2, 3.0, 16_000, "wav", 64),
    _flite("test-flite-en3-a", "en", 3, 3.0, 44_100, "mp3", 65),
    _flite("test-flite-en3-b", "en", 3, 3.0, 32_000, "flac", 66),
    _flite("test-flite-ru2-a", "ru", 2, 1.5, 16_000, "m4a", 67),
    _flite("dev-flite-en2-a", "en", 2, 3.0, 16_000, "mp3", 71),
    _flite("dev-flite-en2-b", "en", 2, 3.0, 44_100, "ogg", 72),
    _flite("dev-flite-en2-c", "en", 2, 2.5, 8_000, "m4a", 73),
    _flite("dev-flite-en3-a", "en", 3, 3.0, 22_050, "flac", 74),
    _flite("dev-flite-ru2-a", "ru", 2, 2.0, 16_000, "wav", 75),
]
"""Issue 12's interviews from voices nobody on the project tuned on. The test half (`test-flite-*`) is never used to
set anything in Samizdat; the dev half (`dev-flite-*`, seeds 71-75, the dev half's sentences; made after the test
half, to set the guard against invented end-of-turn phrases on dev only) is the same idea: 11.7 min of English in
two- and three-voice files at 8-44.1 kHz (the draw left awb out), 2.3 min of Russian, as made.
The first test sets' treatment file by file (lengths, 8-48 kHz, codecs, room echo and tone, overlap,
short and long turns, the test half's sentences, names and metadata); only the voices differ. English: two or three
of Flite's awb, rms, slt, kal16 and Festival's ked_diphone and slt HTS voices, pitch 88-115 % and speed 90-112 % of
each voice's own where the synthesiser moves them. Russian: Festival's one Russian voice, and the same voice five
semitones higher as the second speaker. Plain Whisper base on each voice saying four dev-half sentences (voices.py
`check`, before any test file was made): awb 7.8 %, rms 9.4 %, slt 6.2 %, kal16 17.2 %, ked_diphone 17.2 %, slt
HTS 9.4 %, Russian 19.5 % and 22.0 % shifted (espeak-ng's `ru`: 73.2 %)."""
LONG = Plan("long-en2-120min", "test", "en", 2, 120.0, 16_000, "flac", 31, pause_s=(5.0, 40.0))
"""The long tape: memory and speed with speakers on (its sentences repeat, so not scored for accuracy)."""


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """`np.convolve(values, np.ones(width) / width, mode="same")` in linear time (a 2-hour tape has 115 M samples)."""
    padded = np.concatenate([np.zeros(width // 2), values, np.zeros(width - 1 - width // 2)])
    sums = np.cumsum(np.concatenate([[0.0], padded]))
    return (sums[width:] - sums[:-width]) / width


def _room(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Room tone: brown-ish noise and a little mains hum, about 35 dB under the speech."""
    white = rng.normal(0, 1, samples)
    brown = np.cumsum(white)
    brown -= _moving_average(brown, 400)
    noise = 0.004 * brown / (np.std(brown) + 1e-9) + 0.002 * white
    hum = 0.0015 * np.sin(2 * np.pi * 50 * np.arange(samples) / RATE)
    return (noise + hum).astype(np.float32)


def _echo(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A short room echo: a few decaying reflections within 60 ms."""
    out = audio.copy()
    for _ in range(4):
        delay = int(rng.uniform(0.008, 0.06) * RATE)
        out[delay:] += rng.uniform(0.08, 0.25) * audio[:-delay]
    return out


def make(plan: Plan, folder: Path = CACHE) -> Path:
    """Write the interview and its truth (unless both exist); return the audio path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan.name}.{plan.codec}"
    truth_path = folder / f"{plan.name}.json"
    if path.exists() and truth_path.exists():
        return path
    order = random.Random(plan.seed)
    rng = np.random.default_rng(plan.seed)
    parity = 0 if plan.half == "dev" else 1
    questions = QUESTIONS_EN if plan.language == "en" else QUESTIONS_RU
    answers = ANSWERS_EN if plan.language == "en" else ANSWERS_RU
    questions = [q for i, q in enumerate(questions) if i % 2 == parity]
    answers = [a for i, a in enumerate(answers) if i % 2 == parity]
    pool = list(plan.pool or (VOICES_EN if plan.language == "en" else VOICES_RU))
    order.shuffle(pool)
    pool = [v for i, v in enumerate(pool) if person(v) not in {person(u) for u in pool[:i]}]  # one voice a person
    interviewer = order.choice(NAMES["interviewer"])
    narrators = order.sample(NAMES["interviewee"], plan.voices - 1)
    people = [(interviewer, "interviewer")] + [(n, "interviewee") for n in narrators]
    styles = [(pool[i % len(pool)], order.randint(*plan.pitch), order.randint(*plan.speed)) for i in range(plan.voices)]
    styles = [(voice, *effective(voice, pitch, speed)) for voice, pitch, speed in styles]
    target = int(plan.minutes * 60 * RATE)
    track = np.zeros(target + 60 * RATE, dtype=np.float32)
    turns: list[dict[str, object]] = []
    position = int(0.8 * RATE)
    speaker = 0
    q_index = a_index = 0
    with tempfile.TemporaryDirectory() as tmp:
        while position < target:
            if speaker == 0:
                text = questions[q_index % len(questions)]
                q_index += 1
            else:
                count = order.choice([1, 1, 2, 3])  # short and long turns
                text = " ".join(answers[(a_index + k) % len(answers)] for k in range(count))
                a_index += count
            voice, pitch, speed = styles[speaker]
            clip = say(text, voice, pitch, speed, Path(tmp))
            clip = clip / (np.max(np.abs(clip)) + 1e-9) * order.uniform(0.4, 0.8)
            track[position : position + clip.size] += clip
            turns.append(
                {"start": round(position / RATE, 3), "end": round((position + clip.size) / RATE, 3),
                 "speaker": people[speaker][0], "text": text}
            )
            gap = order.uniform(-0.3, 1.2) if order.random() < 0.15 else order.uniform(0.3, 1.5)  # some overlap
            if plan.pause_s and order.random() < 0.125:
                gap = order.uniform(*plan.pause_s)
            position += clip.size + int(gap * RATE)
            if speaker == 0:
                speaker = order.randint(1, plan.voices - 1)
            else:
                speaker = 0 if order.random() < 0.75 or plan.voices == 2 else 1 + (speaker % (plan.voices - 1))
    audio = track[: position + RATE]
    audio = (_echo(audio, rng) if plan.echo else audio) + _room(rng, audio.size)
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    codec_args = {
        "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
        "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
        "m4a": ["-c:a", "aac", "-b:a", "64k"],
        "flac": ["-c:a", "flac"],
        "wav": ["-c:a", "pcm_s16le"],
    }[plan.codec]
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
         "-ar", str(plan.rate), *codec_args, str(path)],
        input=pcm,
        check=True,
    )
    truth = {
        "language": plan.language,
        "half": plan.half,
        "duration_s": round(audio.size / RATE, 3),
        "speakers": [{"name": n, "role": r, "voice": v, "pitch": p, "speed": s}
                     for (n, r), (v, p, s) in zip(people, styles, strict=True)],
        "metadata": {
            "title": f"Interview with {' and '.join(narrators)}",
            "language": plan.language,
            "interviewer": interviewer,
            "interviewee": narrators if len(narrators) > 1 else narrators[0],
        },
        "turns": turns,
        "text": " ".join(str(t["text"]) for t in turns),
    }
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return path


def all_sets(folder: Path = CACHE) -> list[Path]:
    """Every planned interview, made if missing."""
    return [make(plan, folder) for plan in PLANS + VOICE_PLANS]


if __name__ == "__main__":
    import sys

    total = 0.0
    for made in all_sets() + ([make(LONG)] if "--long" in sys.argv else []):
        record = json.loads(made.with_suffix(".json").read_text())
        total += record["duration_s"]
        print(made, f"{record['duration_s'] / 60:.1f} min", len(record["turns"]), "turns")
    print(f"{total / 60:.1f} minutes in all")
