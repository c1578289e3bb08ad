"""Percentiles and the printed tables."""


def pct(values, q):
    """The observed value at quantile `q` (nearest rank)."""
    ordered = sorted(values)
    return ordered[round((len(ordered) - 1) * q)]


def size_of(path):
    return path.stat().st_size if path.exists() else None


def fmt_ms(value):
    return "n/a" if value is None else f"{value:.3f}"


def fmt_mib(size, missing="n/a"):
    return missing if size is None else f"{size / 1048576:.2f}"


def table(title, header, rows):
    print(f"\n{title}")
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
