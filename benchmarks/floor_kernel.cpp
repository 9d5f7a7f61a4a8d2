// Floor of synaptic event propagation on this machine, with Brian2's standalone data layout:
// per presynaptic neuron a vector of synapse indices (the spike queue's lists), and per synapse
// flat arrays of the postsynaptic index, the weight and (plastic) two traces and the time of the
// last update, all double precision. One event = one synapse visited for one presynaptic spike.
//   static : g[post[s]] += w[s]
//   plastic: both traces decayed lazily since the last update (two exp()), then
//            g[post[s]] += w[s]; x[s] += 1; w[s] = clip(w[s] - A*y[s], 0, w_max)
// (the on_pre of pair STDP with per-synapse event-driven traces, as Brian2 generates it).
// Usage: floor_kernel MODE N_PRE N_POST STEPS P_SPIKE SEED  -> prints "ns_per_event events checksum"
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 7) { std::fprintf(stderr, "usage: MODE N_PRE N_POST STEPS P_SPIKE SEED\n"); return 2; }
    const bool plastic = std::strcmp(argv[1], "plastic") == 0;
    const int n_pre = std::atoi(argv[2]), n_post = std::atoi(argv[3]), steps = std::atoi(argv[4]);
    const double p_spike = std::atof(argv[5]);
    std::mt19937_64 rng(std::strtoull(argv[6], nullptr, 10));
    const double dt = 1e-4, tau_plus = 0.02, tau_minus = 0.02, a_minus = 0.00525 * 0.0015, w_max = 0.0015;
    const int64_t n_syn = (int64_t)n_pre * n_post;
    std::vector<int32_t> post(n_syn);
    std::vector<double> w(n_syn, w_max), x(n_syn, 0.0), y(n_syn, 0.0), lastupdate(n_syn, 0.0);
    std::vector<std::vector<int32_t>> by_pre(n_pre);
    for (int i = 0; i < n_pre; i++) {           // all-to-all, synapses ordered by source
        by_pre[i].resize(n_post);
        for (int j = 0; j < n_post; j++) { int64_t s = (int64_t)i * n_post + j; post[s] = j; by_pre[i][j] = (int32_t)s; }
    }
    std::vector<double> g(n_post, 0.0);
    // the spikes of every step, drawn before timing
    std::vector<int32_t> spikes, offsets(steps + 1, 0);
    std::binomial_distribution<int> how_many(n_pre, p_spike);   // spikes per step, then which
    std::uniform_int_distribution<int> which(0, n_pre - 1);
    for (int k = 0; k < steps; k++) {
        const int count = how_many(rng);
        for (int q = 0; q < count; q++) spikes.push_back(which(rng));
        offsets[k + 1] = (int32_t)spikes.size();
    }
    int64_t events = 0;
    auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < steps; k++) {
        const double t = k * dt;
        for (int q = offsets[k]; q < offsets[k + 1]; q++) {
            const std::vector<int32_t>& syns = by_pre[spikes[q]];
            const int32_t n = (int32_t)syns.size();
            if (!plastic) {
                for (int32_t m = 0; m < n; m++) { const int32_t s = syns[m]; g[post[s]] += w[s]; }
            } else {
                for (int32_t m = 0; m < n; m++) {
                    const int32_t s = syns[m];
                    const double elapsed = t - lastupdate[s];
                    double xs = x[s] * std::exp(-elapsed / tau_plus);
                    double ys = y[s] * std::exp(-elapsed / tau_minus);
                    g[post[s]] += w[s];
                    xs += 1.0;
                    double ws = w[s] - a_minus * ys;
                    w[s] = ws < 0.0 ? 0.0 : (ws > w_max ? w_max : ws);
                    x[s] = xs; y[s] = ys; lastupdate[s] = t;
                }
            }
            events += n;
        }
    }
    auto stop = std::chrono::steady_clock::now();
    double checksum = 0.0;
    for (int j = 0; j < n_post; j++) checksum += g[j];
    for (int64_t s = 0; s < n_syn; s += 97) checksum += w[s] + x[s];
    const double ns = std::chrono::duration<double, std::nano>(stop - start).count();
    std::printf("%.6f %lld %.9g\n", events ? ns / events : 0.0, (long long)events, checksum);
    return 0;
}
