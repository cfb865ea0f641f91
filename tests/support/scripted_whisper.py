"""A tiny openai-whisper checkpoint that always says "Hello world", for tests and benchmarks.

openai-whisper's real weights cannot be downloaded here, yet its engine must run for real. This
writes a 1-layer multilingual checkpoint (`dims` + `model_state_dict`, what `whisper.load_model`
reads) whose decoder is scripted: its residual blocks are switched off and its token and position
embeddings are chosen so that, whatever it hears, it detects English and decodes
"<|0.00|> Hello world <|1.00|>" in every 30-second window. Loading, mel features, beam search,
timestamp rules and word timing all run as with a real model; only the words are fixed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

SCRIPTED_TEXT = "Hello world"


def build_scripted_checkpoint(path: Path) -> Path:
    """Write the checkpoint to `path` (about 14 MB) and return the path."""
    import torch
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=1, n_audio_layer=1,
        n_vocab=51865, n_text_ctx=448, n_text_state=64, n_text_head=1, n_text_layer=1,
    )
    tokenizer = get_tokenizer(True, num_languages=99)
    (hello,) = tokenizer.encode(" Hello")
    (world,) = tokenizer.encode(" world")
    # The output at each position picks the next token; positions 0-2 hold <|sot|><|en|><|transcribe|>.
    script = {
        0: tokenizer.special_tokens["<|en|>"],
        2: tokenizer.timestamp_begin,
        3: hello,
        4: world,
        5: tokenizer.timestamp_begin + 50,
        6: tokenizer.eot,
    }
    state = Whisper(dims).state_dict()
    with torch.no_grad():
        for name, value in state.items():
            if name.startswith("decoder.blocks.") and (".out." in name or ".mlp.2." in name):
                value.zero_()  # each residual block passes its input through unchanged
        embedding = state["decoder.token_embedding.weight"]
        embedding.zero_()
        positions = state["decoder.positional_embedding"]
        positions.normal_(0, 0.01)
        for k, (position, token) in enumerate(script.items()):
            direction = torch.zeros(dims.n_text_state)
            direction[2 * k], direction[2 * k + 1] = 0.5**0.5, -(0.5**0.5)  # zero mean: survives LayerNorm
            embedding[token] = 3 * direction
            positions[position] = 10 * direction
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": dataclasses.asdict(dims), "model_state_dict": state}, path)
    return path
