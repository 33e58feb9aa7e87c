import hashlib


def check_md5(fpath: str, md5: str, **kwargs) -> bool:
    with open(fpath, "rb") as f:
        return hashlib.md5(f.read()).hexdigest() == md5
