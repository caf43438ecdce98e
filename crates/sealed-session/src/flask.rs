//! Flask's default signed session cookie (feature `flask`): verification
//! only. Placeholder until the verifier lands.
