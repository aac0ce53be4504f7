#!/usr/bin/env python3
"""Writes N deterministic FAQ-style Markdown pages (about 4 KB each: headings, lists, one table)
for the site benchmark, plus a portal.toml pointing at them. The same files feed portal-gen and
Hugo (both read TOML front matter between '+++' lines).

usage: synth_faq.py OUT_DIR [N]
"""
import os
import random
import shutil
import sys

WORDS = ("patient portal record result report medication allergy visit letter provider "
         "clinic laboratory imaging history physical consultation immunization message "
         "profile address phone review request department staff access enrollment secure "
         "online summary schedule appointment refill insurance billing privacy consent "
         "proxy guardian emergency contact update change accepted pending released hours "
         "days years current complete accurate available display shows since less").split()
TOPICS = ["access", "records", "changes", "messaging"]


def sentence(rng, n=None):
    n = n or rng.randint(8, 18)
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 5)))


def page(rng, i):
    title = f"Question {i}: {sentence(rng, 7)[:-1]}?"
    parts = [
        "+++",
        f'title = "{title}"',
        f'topic = "{TOPICS[i % len(TOPICS)]}"',
        f"weight = {i}",
        "+++",
        paragraph(rng),
        "",
        "## What to know",
        "",
        paragraph(rng),
        "",
    ]
    parts += [f"- {sentence(rng)}" for _ in range(5)]
    parts += ["", "## Details", "", paragraph(rng), "",
              "| Item | Shown | For how long |", "|---|---|---|"]
    parts += [f"| {rng.choice(WORDS)} | {rng.choice(['yes', 'no'])} | {rng.randint(1, 20)} years |"
              for _ in range(6)]
    parts += ["", "### Steps", ""]
    parts += [f"{k}. {sentence(rng)}" for k in range(1, 6)]
    parts += ["", paragraph(rng), "", paragraph(rng), ""]
    text = "\n".join(parts)
    while len(text) < 4000:
        text += paragraph(rng) + "\n\n"
    return text


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    faq = os.path.join(out, "content", "faq")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(faq)
    rng = random.Random(20261126)
    total = 0
    for i in range(n):
        text = page(rng, i)
        total += len(text)
        with open(os.path.join(faq, f"q{i:05d}.md"), "w") as f:
            f.write(text)
    shutil.copy(os.path.join(root, "content", "home.md"), os.path.join(out, "content", "home.md"))
    with open(os.path.join(root, "content", "portal.toml")) as f:
        config = f.read().replace('templates_dir = "../site_templates"',
                                  f'templates_dir = "{os.path.join(root, "site_templates")}"')
    with open(os.path.join(out, "content", "portal.toml"), "w") as f:
        f.write(config)
    print(f"{n} pages, {total / n:.0f} bytes on average, in {faq}")


if __name__ == "__main__":
    main()
