# tools/mpi-env.sh -- source (sh or bash) before running MPI jobs here.  Works
# out which launcher ${MPIEXEC:-mpiexec} is, from its --version, unless
# RAP_MPIEXEC_KIND is already set, and exports:
#   RAP_MPIEXEC_KIND   openmpi (mpirun/orterun), mpich (hydra's mpiexec) or other
#   RAP_MPIEXEC_FLAGS  what that launcher needs for more ranks than cores
# Open MPI refuses to run as root unless told, and to start more ranks than
# cores without --oversubscribe.  Hydra does both by default, rejects
# --oversubscribe, and passes the whole environment to the ranks (Open MPI
# needs -x NAME for a variable to reach ranks on other hosts).  Each
# launcher ignores the other's variables.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_base_warn_component_unused=0
if [ -z "${RAP_MPIEXEC_KIND:-}" ]; then
    case $("${MPIEXEC:-mpiexec}" --version 2>&1) in
    *"Open MPI"* | *OpenRTE*) RAP_MPIEXEC_KIND=openmpi ;;
    *HYDRA*) RAP_MPIEXEC_KIND=mpich ;;
    *) RAP_MPIEXEC_KIND=other ;;
    esac
fi
case $RAP_MPIEXEC_KIND in
openmpi) RAP_MPIEXEC_FLAGS=--oversubscribe ;;
*) RAP_MPIEXEC_FLAGS= ;;
esac
export RAP_MPIEXEC_KIND RAP_MPIEXEC_FLAGS
