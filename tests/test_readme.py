"""The README is the users' manual: its commands must work as pasted, its links must resolve."""

import re
import shlex

from service.config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
_BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def _urls_in_examples() -> list[str]:
    """Every word of the README's shell examples that is a URL, as the shell would pass it."""
    words = [w for block in _BLOCKS for w in shlex.split(block.replace("\\\n", " "), comments=True)]
    return [w for w in words if w.startswith(("http://", "https://"))]


def test_every_url_in_the_readmes_examples_is_a_valid_url() -> None:
    urls = _urls_in_examples()
    assert len(urls) > 10, "the README shows its examples"
    for url in urls:
        assert not re.search(r"\s", url), f"a space in {url!r}: use -G --data-urlencode"


def test_every_file_the_readme_links_is_in_the_repository() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (PROJECT_ROOT / target).exists(), f"README links {target}, not in the repository"
