%% bench/erl_counting.erl -- the Erlang/OTP baseline for Raptors' Counting
%% (bench/forkjoin with one target): a producer process sends N messages
%% to a counter process, which tells the caller when it has them all.
%% The first round of a fresh VM is printed apart from the median of REPS
%% warm rounds, as bench/forkjoin prints Raptors' ("ERLCOUNT first median
%% min max", messages/s).  Erlang users' way to run it:
%%
%%   erlc -o /tmp bench/erl_counting.erl
%%   erl -noshell -pa /tmp -s erl_counting main 5 1000000 -s init stop
-module(erl_counting).
-export([main/1]).

counter(0, Caller) -> Caller ! done;
counter(Left, Caller) -> receive {n, _} -> counter(Left - 1, Caller) end.

producer(_, 0) -> ok;
producer(To, Left) -> To ! {n, 1}, producer(To, Left - 1).

one_round(N) ->
    Self = self(),
    C = spawn(fun() -> counter(N, Self) end),
    T0 = erlang:monotonic_time(nanosecond),
    spawn(fun() -> producer(C, N) end),
    receive done -> ok end,
    N / ((erlang:monotonic_time(nanosecond) - T0) / 1.0e9).

main([RepsA, NA]) ->
    Reps = list_to_integer(atom_to_list(RepsA)),
    N = list_to_integer(atom_to_list(NA)),
    First = one_round(N),
    Warm = lists:sort([one_round(N) || _ <- lists:seq(1, Reps)]),
    Median = lists:nth((Reps + 1) div 2, Warm),
    R = [erlang:round(X) || X <- [First, Median, hd(Warm), lists:last(Warm)]],
    io:format("Erlang/OTP ~s Counting: first round ~w, warm median ~w (~w-~w) messages/s; ~p schedulers~n",
              [erlang:system_info(otp_release) | R] ++ [erlang:system_info(schedulers_online)]),
    io:format("ERLCOUNT ~w ~w ~w ~w~n", R).
