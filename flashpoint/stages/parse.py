from __future__ import annotations

from ..article import Article
from ..nlp import normalize
from ..pipeline import Resources, stage


@stage("parse", reads=("text",), writes=("doc",))
def parse(articles: list[Article], res: Resources) -> None:
    texts = [normalize(a.text) for a in articles]
    for article, doc in zip(articles, res.nlp.pipe(texts), strict=True):
        article.doc = doc
