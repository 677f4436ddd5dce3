// The hostile worker of bench/isolation.sh: spins until the node stops it
// at its CPU limit.
export default {
  async fetch() {
    for (;;) {}
  },
};
