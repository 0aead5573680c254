/* placeholder until rollmat-sim lands (being written now) */
typedef int rmat_sim_placeholder;
