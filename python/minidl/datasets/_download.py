"""Fetching dataset files: try each mirror in turn, check the MD5, fail with a message that says
what to do by hand (where there is no network, e.g. a sandbox or an exam room)."""
import hashlib
import os
import shutil
import sys

__all__ = ["md5sum", "download_file", "extract_tar"]

TIMEOUT = 30.0  # seconds per connection attempt


def md5sum(path, chunk=1 << 20):
    h = hashlib.md5()  # the published checksums are MD5; this checks integrity, not security
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _reason(e):
    import urllib.error
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return f"{type(e).__name__}: {e}"


def download_file(urls, dest, md5=None, timeout=TIMEOUT, quiet=False):
    """Download the first of ``urls`` that works to ``dest`` (checked against ``md5`` when given).

    Raises ``RuntimeError`` naming every URL tried, why each failed, and where to put the file by hand.
    """
    import http.client  # network modules load only when a download happens: `import minidl` stays quick
    import urllib.request
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    tmp = dest + ".part"
    failures = []
    for url in urls:
        if not quiet:
            print(f"Downloading {url} to {dest}", file=sys.stderr, flush=True)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
        except (OSError, http.client.HTTPException, ValueError) as e:
            failures.append(f"  {url}: {_reason(e)}")
            _remove(tmp)
            continue
        if md5 is not None:
            got = md5sum(tmp)
            if got != md5:
                failures.append(f"  {url}: MD5 mismatch, got {got}, expected {md5} "
                                f"(incomplete or altered file)")
                _remove(tmp)
                continue
        os.replace(tmp, dest)
        return dest
    raise RuntimeError(f"could not download {os.path.basename(dest)}:\n" + "\n".join(failures) +
                       "\nWithout a network connection, download it by hand "
                       f"({'from that URL' if len(urls) == 1 else 'from one of these URLs'}) "
                       f"and put it at {dest}")


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def extract_tar(archive, to):
    """Extract a .tar.gz into ``to``, refusing members that would land outside it."""
    import tarfile
    root = os.path.realpath(to)
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar.getmembers():
                target = os.path.realpath(os.path.join(root, member.name))
                if os.path.commonpath([root, target]) != root or member.issym() or member.islnk():
                    raise RuntimeError(f"{archive}: refusing to extract {member.name!r} "
                                       f"(outside {to} or a link)")
            if hasattr(tarfile, "data_filter"):
                tar.extractall(root, filter="data")
            else:  # Python < 3.9.17 / 3.10.12 / 3.11.4: the members were checked above
                tar.extractall(root)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise RuntimeError(f"could not extract {archive} ({type(e).__name__}: {e}); the archive is "
                           "truncated or corrupt: delete it and download it again") from e
