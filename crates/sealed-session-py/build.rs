//! PyO3's configuration cfgs (`Py_3_10`, `Py_LIMITED_API`...), so that the
//! string access can use the zero-copy API where the stable ABI floor has
//! it (Python 3.10 and later) and a single copy below.

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
