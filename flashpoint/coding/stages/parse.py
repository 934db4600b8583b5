from __future__ import annotations

from ...model import Article
from ..nlp import normalize
from ..registry import Resources, stage


@stage("parse", reads=("text",), writes=("doc",))
def parse(articles: list[Article], res: Resources) -> None:
    texts = [normalize(a.text) for a in articles]
    nlp = res.nlp
    # Length was checked against the user's --max-chars when the input was read; spaCy's own
    # guard would refuse an article the user allowed.
    nlp.max_length = max(nlp.max_length, *(len(t) + 1 for t in texts))
    for article, doc in zip(articles, nlp.pipe(texts, batch_size=res.parse_batch), strict=True):
        article.doc = doc
