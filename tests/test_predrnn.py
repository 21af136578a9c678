import torch
import torch.nn.functional as F

from modpred.models.predictors.predrnn import PredRNN, PredRNNConfig, SpatioTemporalLSTMCell


def eq7_direct(cell: SpatioTemporalLSTMCell, x, h, c, m):
    """Paper eq. 7 written gate by gate, each W_* a slice of the cell's fused convolutions."""
    n = cell.hidden
    pad = cell.conv_x.padding

    def conv(layer, inp, k):  # the k-th block of `n` output channels of a fused conv
        bias = None if layer.bias is None else layer.bias[k * n : (k + 1) * n]
        return F.conv2d(inp, layer.weight[k * n : (k + 1) * n], bias, padding=pad)

    wx, wh, wm = cell.conv_x, cell.conv_h, cell.conv_m  # x: i f g i' f' g' o; h: i f g o; m: i' f' g'
    g = torch.tanh(conv(wx, x, 2) + conv(wh, h, 2))
    i = torch.sigmoid(conv(wx, x, 0) + conv(wh, h, 0))
    f = torch.sigmoid(conv(wx, x, 1) + conv(wh, h, 1) + 1.0)
    c_new = f * c + i * g
    g_p = torch.tanh(conv(wx, x, 5) + conv(wm, m, 2))
    i_p = torch.sigmoid(conv(wx, x, 3) + conv(wm, m, 0))
    f_p = torch.sigmoid(conv(wx, x, 4) + conv(wm, m, 1) + 1.0)
    m_new = f_p * m + i_p * g_p
    w_co, w_mo = cell.conv_o.weight[:, :n], cell.conv_o.weight[:, n:]
    o = torch.sigmoid(
        conv(wx, x, 6)
        + conv(wh, h, 3)
        + F.conv2d(c_new, w_co, cell.conv_o.bias, padding=pad)
        + F.conv2d(m_new, w_mo, padding=pad)
    )
    h_new = o * torch.tanh(cell.conv_last(torch.cat([c_new, m_new], 1)))
    return h_new, c_new, m_new, i * g, i_p * g_p


def test_cell_matches_paper_eq7_on_random_weights():
    for bias in (False, True):
        torch.manual_seed(0)
        cell = SpatioTemporalLSTMCell(cin=3, hidden=5, grid=8, k=3, layer_norm=False, bias=bias)
        for p in cell.parameters():
            torch.nn.init.normal_(p, std=0.3)
        x, h, c, m = (torch.randn(2, ch, 8, 8) for ch in (3, 5, 5, 5))
        for got, want in zip(cell(x, h, c, m), eq7_direct(cell, x, h, c, m), strict=True):
            torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_predrnn_has_no_biases_as_the_official_cell():
    for layer_norm in (False, True):
        model = PredRNN(channels=4, grid=8, cfg=PredRNNConfig(layers=2, hidden=6, layer_norm=layer_norm))
        convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == 2 * 5 + 1 and all(c.bias is None for c in convs)
    with_bias = PredRNN(channels=4, grid=8, cfg=PredRNNConfig(layers=2, hidden=6, bias=True))
    no_bias = PredRNN(channels=4, grid=8, cfg=PredRNNConfig(layers=2, hidden=6))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(with_bias) - count(no_bias) == 2 * 16 * 6  # 7h + 4h + 3h + h + h biases a layer


def test_predrnn_shapes_and_causality():
    torch.manual_seed(0)
    model = PredRNN(channels=4, grid=8, cfg=PredRNNConfig(layers=2, hidden=6, filter=3))
    frames = torch.randn(2, 6, 4, 8, 8)
    out = model(frames, input_len=3).pred
    assert out.shape == (2, 5, 4, 8, 8)
    changed = frames.clone()
    changed[:, 4:] += 1.0  # frames after the input window are never seen without a teacher
    torch.testing.assert_close(model(changed, input_len=3).pred, out)
    changed[:, 2] += 1.0  # an input frame changes predictions from that step on, not before
    new = model(changed, input_len=3).pred
    torch.testing.assert_close(new[:, :2], out[:, :2])
    assert not torch.allclose(new[:, 2:], out[:, 2:])
    assert model.predict(frames[:, :3], 3).shape == (2, 3, 4, 8, 8)
    torch.testing.assert_close(model.predict(frames[:, :3], 3), out[:, 2:])


def test_teacher_mask_chooses_true_frames_or_predictions_step_by_step():
    torch.manual_seed(0)
    model = PredRNN(channels=2, grid=4, cfg=PredRNNConfig(layers=1, hidden=3, filter=3, layer_norm=True))
    frames = torch.randn(1, 5, 2, 4, 4)  # steps 1..3 are masked by teacher[:, 0..2]
    changed = frames.clone()
    changed[:, 3] += 1.0
    ones, zeros = torch.ones(1, 3), torch.zeros(1, 3)
    assert not torch.allclose(model(changed, 2, ones).pred, model(frames, 2, ones).pred)
    torch.testing.assert_close(model(changed, 2, zeros).pred, model(frames, 2, zeros).pred)
    changed = frames.clone()
    changed[:, 1] += 1.0  # inside the input window: reverse scheduled sampling may hide it
    out = model(frames, 2, zeros).pred
    torch.testing.assert_close(model(changed, 2, zeros).pred[:, 1:], out[:, 1:])
    assert not torch.allclose(model(changed, 2, torch.tensor([[1.0, 0, 0]])).pred[:, 1:], out[:, 1:])


def test_decoupling_loss_of_predrnn_v2():
    torch.manual_seed(0)
    plain = PredRNN(2, 4, PredRNNConfig(layers=2, hidden=4))
    v2 = PredRNN(2, 4, PredRNNConfig(layers=2, hidden=4, decouple_beta=0.1))
    assert sum(p.numel() for p in v2.parameters()) == sum(p.numel() for p in plain.parameters()) + 4 * 4
    frames = torch.randn(2, 5, 2, 4, 4)
    assert plain(frames, 2).aux_loss == 0.0
    aux = v2(frames, 2).aux_loss  # returned with the predictions, never left on the module
    assert 0 < aux.item() <= 0.1  # beta times a mean |cosine|
    aux.backward()
    assert v2.adapter.weight.grad.abs().sum() > 0
