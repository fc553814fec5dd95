#!/usr/bin/python3
"""Puts a benchmark's Markdown table, and its plots, into a document between two markers:
    <!-- bench KEY begin --> ... <!-- bench KEY end -->
replacing what was there, or appending the block at the end when the markers are new. The
plots are copied next to the document (IMGDIR) under names that carry KEY.
usage: put_in_docs.py DOC KEY TABLE.md IMGDIR [PNG ...]"""
import os
import re
import shutil
import sys

doc, key, table, imgdir = sys.argv[1:5]
pngs = sys.argv[5:]
slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
body = open(table).read().rstrip("\n")
# The table's own pointer to the plots in the build directory means nothing in the docs.
body = "\n".join(l for l in body.split("\n") if not l.startswith("Plots: ")).rstrip("\n")
links = []
os.makedirs(imgdir, exist_ok=True)
for png in pngs:
    if not os.path.exists(png):
        continue
    name = "%s-%s" % (slug, os.path.basename(png).replace("compare-", ""))
    shutil.copyfile(png, os.path.join(imgdir, name))
    rel = os.path.relpath(os.path.join(imgdir, name), os.path.dirname(doc) or ".")
    links.append("![%s](%s)" % (os.path.splitext(name)[0], rel))
begin, end = "<!-- bench %s begin -->" % key, "<!-- bench %s end -->" % key
block = "%s\n%s\n%s%s" % (begin, body, ("\n" + "\n".join(links) + "\n") if links else "", end)
text = open(doc).read()
if begin in text and end in text:
    a, b = text.index(begin), text.index(end) + len(end)
    text = text[:a] + block + text[b:]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(doc, "w").write(text)
print("put_in_docs: %s updated (%s)" % (doc, key))
