"""evalkit metrics inside a PyTorch training loop (CPU, a few seconds).

1. a classifier trained for three epochs: ``forward`` gives each batch's own accuracy for the log,
   ``compute``/``reset`` the epoch's scores, from running statistics only (never the raw labels);
2. a checkpoint in the middle of an epoch: the metric's ``state_dict`` saved with the model's, and a
   resumed run whose epoch score equals the uninterrupted one;
3. token-id BLEU as a reinforcement-learning reward: ``sentence_token_bleu`` scores every sampled sequence
   of a batch on the tensor's device, and a self-critical baseline (the greedy sequence's reward) turns
   it into an advantage for a REINFORCE loss.

Run from the repository root:  python examples/training_loop.py   (docs/training-loops.md explains it)
"""

import io

import torch
from torch import nn

from evalkit import F1, Accuracy, sentence_token_bleu

torch.manual_seed(0)
torch.set_num_threads(1)  # tiny tensors: more threads would only wait for each other

# -- 1. the loop ---------------------------------------------------------------------------------
n_classes, n_features = 4, 16
centers = torch.randn(n_classes, n_features) * 0.4  # overlapping classes: no perfect score
y_all = torch.randint(0, n_classes, (2048,))
x_all = centers[y_all] + torch.randn(2048, n_features)
batches = [(x_all[i : i + 64], y_all[i : i + 64]) for i in range(0, 2048, 64)]

model = nn.Linear(n_features, n_classes)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accuracy = Accuracy()
f1 = F1(labels=list(range(n_classes)))  # macro-F1 over a fixed label set

for epoch in range(3):
    for step, (x, y) in enumerate(batches):
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        pred = logits.argmax(dim=1)  # class ids: evalkit scores labels, not logits
        batch_accuracy = accuracy.forward(y, pred).score  # this batch's score; the epoch's sums grow too
        f1.update(y, pred)
        if step % 16 == 0:
            print(f"epoch {epoch} step {step:2d}  loss {loss.item():.3f}  batch accuracy {batch_accuracy:.3f}")
    print(f"epoch {epoch}: accuracy {accuracy.compute().score:.4f}, macro-F1 {f1.compute().score:.4f}")
    accuracy.reset()
    f1.reset()

# -- 2. checkpoint and resume in the middle of an epoch ------------------------------------------
with torch.no_grad():
    preds = [(y, model(x).argmax(dim=1)) for x, y in batches]
uninterrupted = F1(labels=list(range(n_classes)))
for y, pred in preds:
    uninterrupted.update(y, pred)

metric = F1(labels=list(range(n_classes)))
for y, pred in preds[:10]:
    metric.update(y, pred)
buffer = io.BytesIO()  # a file in a real run
torch.save({"model": model.state_dict(), "f1": metric.state_dict(), "step": 10}, buffer)

buffer.seek(0)
checkpoint = torch.load(buffer, weights_only=True)  # the state is plain values: lists, numbers, str
resumed = F1(labels=list(range(n_classes))).load_state_dict(checkpoint["f1"])
for y, pred in preds[checkpoint["step"] :]:
    resumed.update(y, pred)
print(f"macro-F1 uninterrupted {uninterrupted.compute().score!r}, resumed {resumed.compute().score!r}")
assert resumed.compute().score == uninterrupted.compute().score

# -- 3. token-id BLEU as a reward ----------------------------------------------------------------
vocab, length, batch, pad = 12, 8, 32, 0
target = torch.randint(1, vocab, (length,))  # ids 1..11; 0 pads
references = target.expand(batch, length)  # the sequence the policy should learn to say
policy = nn.Parameter(torch.zeros(length, vocab))  # a toy policy: one distribution per position
optimizer = torch.optim.Adam([policy], lr=0.3)
for step in range(30):
    pi = torch.distributions.Categorical(logits=policy.expand(batch, length, vocab))
    samples = pi.sample()  # (batch, length) token ids
    with torch.no_grad():
        reward = sentence_token_bleu(samples, references, pad_id=pad)  # (batch,) float64, on samples.device
        greedy = policy.argmax(dim=-1).expand(batch, length)
        baseline = sentence_token_bleu(greedy, references, pad_id=pad)  # self-critical baseline
    advantage = (reward - baseline).float()
    loss = -(advantage * pi.log_prob(samples).sum(dim=1)).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"RL step {step:2d}  mean reward {reward.mean().item():.4f} on {reward.device}")
