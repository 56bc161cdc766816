-- Up Migration
-- Reference data the systems need to run the bundled processes on `npm start`: plans and
-- products, SP products, service areas with their appointment windows, technicians, a number
-- pool, exchanges, message templates in zh-CN and en, complaint desks and time limits, and a
-- few demo accounts. An operator replaces these with their own; tests add their own rows.

INSERT INTO billing_plans (code, name, monthly_fee_fen, min_term_months) VALUES
  ('basic-58', '畅聊 58 元套餐', 5800, 0),
  ('family-128', '全家享 128 元套餐', 12800, 12),
  ('broadband-199', '宽带融合 199 元套餐', 19900, 24);

INSERT INTO billing_products (code, name, monthly_fee_fen) VALUES
  ('fixed-line', '固定电话', 1500),
  ('broadband-100m', '100M 宽带', 5000),
  ('broadband-1000m', '千兆宽带', 9900),
  ('iptv', 'IPTV', 2000);

INSERT INTO billing_sp_products (sp_code, product, name) VALUES
  ('SP-901', '彩铃', '个性彩铃包月'),
  ('SP-902', '天气预报', '天气预报短信包月'),
  ('SP-903', '手机报', '手机报包月');

INSERT INTO dispatch_areas (area, city, name) VALUES
  ('SH-PD', '上海', '浦东装维班组'),
  ('SH-XH', '上海', '徐汇装维班组'),
  ('BJ-HD', '北京', '海淀装维班组');

INSERT INTO dispatch_windows (area, starts, ends, capacity)
SELECT area, w.starts::time, w.ends::time, 4
FROM dispatch_areas, (VALUES ('09:00', '12:00'), ('13:00', '17:00'), ('18:00', '21:00')) AS w(starts, ends);

INSERT INTO dispatch_technicians (technician_id, name, phone, area) VALUES
  ('T-101', '张师傅', '13900000101', 'SH-PD'),
  ('T-102', '李师傅', '13900000102', 'SH-PD'),
  ('T-201', '王师傅', '13900000201', 'SH-XH'),
  ('T-301', '赵师傅', '13900000301', 'BJ-HD');

INSERT INTO dispatch_numbers (number, city)
SELECT '0215810' || lpad(n::text, 4, '0'), '上海' FROM generate_series(0, 199) AS n;
INSERT INTO dispatch_numbers (number, city)
SELECT '0106288' || lpad(n::text, 4, '0'), '北京' FROM generate_series(0, 99) AS n;

INSERT INTO dispatch_exchanges (exchange, city, district, free_ports) VALUES
  ('SH-PD-01', '上海', '浦东', 500),
  ('SH-XH-01', '上海', NULL, 500),
  ('BJ-HD-01', '北京', NULL, 300);

INSERT INTO complaints_staff (staff_id, name, level) VALUES
  ('desk-city', '市公司投诉台', 'city'),
  ('desk-province', '省公司投诉台', 'province'),
  ('desk-group', '集团客服投诉台', 'group'),
  ('agent-1001', '客服 1001', 'city'),
  ('agent-1002', '客服 1002', 'city'),
  ('repair-revisit-desk', '修障回访组', 'city');

-- Time limits per category and level (hours): the city resolves first, each level above has
-- its own, shorter, limit once a complaint reaches it.
INSERT INTO complaints_time_limits (category, level, limit_ms)
SELECT c, l, h * 3600000
FROM (VALUES ('billing'), ('network'), ('service'), ('sp-charge'), ('installation')) AS cat(c),
     (VALUES ('city', 48), ('province', 24), ('group', 24)) AS lim(l, h);

INSERT INTO billing_accounts (account_id, msisdn, holder_name, city, plan_code, balance_fen) VALUES
  ('AC-1', '13800138000', '陈女士', '上海', 'basic-58', 10000),
  ('AC-2', '13900139000', '刘先生', '上海', 'family-128', 5000),
  ('AC-3', '13700137000', 'Ms. Smith', '北京', 'basic-58', 0);

-- A pending SP subscription for the README's walk-through of SecondaryConfirmation.
INSERT INTO billing_subscriptions (subscription_id, account_id, msisdn, sp_code, product, monthly_fee_fen, currency, created_at)
VALUES ('SUB-DEMO', 'AC-1', '13800138000', 'SP-901', '彩铃', 500, 'CNY', now());

INSERT INTO notification_templates (template_id, locale, body) VALUES
  ('complaint.billing.investigating', 'zh-CN', '您的投诉 {complaintId} 已受理，我们正在核查话费。'),
  ('complaint.billing.investigating', 'en', 'We are checking the charges in your complaint {complaintId}.'),
  ('complaint.billing.refunded', 'zh-CN', '投诉 {complaintId}：经核实为计费差错，已双倍返还 {amount}。'),
  ('complaint.billing.refunded', 'en', 'Complaint {complaintId}: a billing error was confirmed and {amount} (twice the error) was refunded.'),
  ('complaint.closed', 'zh-CN', '您的投诉 {complaintId} 已办结，感谢您的耐心。'),
  ('complaint.closed', 'en', 'Your complaint {complaintId} is closed. Thank you for your patience.'),
  ('complaint.escalated', 'zh-CN', '您的投诉 {complaintId} 已升级至{level}级处理。'),
  ('complaint.escalated', 'en', 'Your complaint {complaintId} has been escalated to {level} level.'),
  ('complaint.overdue', 'zh-CN', '投诉 {complaintId} 已超过办结时限，我们正在加急处理。'),
  ('complaint.overdue', 'en', 'Complaint {complaintId} is past its deadline; we are expediting it.'),
  ('complaint.received', 'zh-CN', '您的投诉 {complaintId} 已受理，将于 {deadline} 前办结。'),
  ('complaint.received', 'en', 'Your complaint {complaintId} was received and will be resolved by {deadline}.'),
  ('complaint.reopened', 'zh-CN', '您的投诉 {complaintId} 已重新处理。'),
  ('complaint.reopened', 'en', 'Your complaint {complaintId} has been reopened.'),
  ('complaint.resolved', 'zh-CN', '投诉 {complaintId} 处理结果：{resolution}'),
  ('complaint.resolved', 'en', 'Complaint {complaintId} resolution: {resolution}'),
  ('complaint.sp.compensated', 'zh-CN', '投诉 {complaintId}：已先行赔付 {amount}，调查仍在进行。'),
  ('complaint.sp.compensated', 'en', 'Complaint {complaintId}: {amount} was credited at once; the investigation continues.'),
  ('complaint.sp.finding', 'zh-CN', '投诉 {complaintId} 的调查已有结论，详情请查询。'),
  ('complaint.sp.finding', 'en', 'The investigation of complaint {complaintId} has concluded.'),
  ('install.assigned', 'zh-CN', '订单 {orderId}：装维人员 {technician}（{technicianPhone}）将于 {from} 至 {until} 上门。'),
  ('install.assigned', 'en', 'Order {orderId}: {technician} ({technicianPhone}) will visit between {from} and {until}.'),
  ('install.booked', 'zh-CN', '订单 {orderId}：{product}（号码 {number}）已预约 {from} 至 {until} 上门安装，安装费 {fee}。'),
  ('install.booked', 'en', 'Order {orderId}: {product} ({number}) booked for {from}–{until}; installation fee {fee}.'),
  ('install.done', 'zh-CN', '订单 {orderId}：{product}（号码 {number}）已装通。'),
  ('install.done', 'en', 'Order {orderId}: {product} ({number}) is installed and working.'),
  ('install.failed', 'zh-CN', '订单 {orderId} 安装未成功，我们会尽快联系您。'),
  ('install.failed', 'en', 'Order {orderId}: the installation did not succeed; we will contact you.'),
  ('install.fee-charged', 'zh-CN', '订单 {orderId}：已收取安装费 {amount}。'),
  ('install.fee-charged', 'en', 'Order {orderId}: installation fee {amount} charged.'),
  ('install.reminder', 'zh-CN', '提醒：订单 {orderId} 将于 {from} 至 {until} 上门安装。'),
  ('install.reminder', 'en', 'Reminder: order {orderId}, visit between {from} and {until}.'),
  ('install.running-late', 'zh-CN', '订单 {orderId}：装维人员将晚到，最迟 {until}。'),
  ('install.running-late', 'en', 'Order {orderId}: the technician is running late, until {until} at the latest.'),
  ('install.window-missed', 'zh-CN', '订单 {orderId}：未能在预约时段上门，非常抱歉，我们将重新安排。'),
  ('install.window-missed', 'en', 'Order {orderId}: we missed the booked window, sorry; we will rebook.'),
  ('move.assigned', 'zh-CN', '移机单 {orderId}：装维人员 {technician}（{technicianPhone}）将于 {from} 至 {until} 上门。'),
  ('move.assigned', 'en', 'Move {orderId}: {technician} ({technicianPhone}) will visit between {from} and {until}.'),
  ('move.booked', 'zh-CN', '移机单 {orderId}：号码 {number} 不变，已预约 {from} 至 {until} 上门。'),
  ('move.booked', 'en', 'Move {orderId}: number {number} stays; visit booked for {from}–{until}.'),
  ('move.done', 'zh-CN', '移机单 {orderId}：号码 {number} 已移至 {street}。'),
  ('move.done', 'en', 'Move {orderId}: number {number} now works at {street}.'),
  ('move.failed', 'zh-CN', '移机单 {orderId} 未成功，原线路继续使用。'),
  ('move.failed', 'en', 'Move {orderId} did not succeed; your old line keeps working.'),
  ('move.rejected.other-city', 'zh-CN', '移机单 {orderId}：同城移机不改号，新地址不在 {city}。'),
  ('move.rejected.other-city', 'en', 'Move {orderId}: a number moves only within {city}.'),
  ('move.rejected.service', 'zh-CN', '移机单 {orderId}：该业务无法移机。'),
  ('move.rejected.service', 'en', 'Move {orderId}: this service cannot be moved.'),
  ('move.reminder', 'zh-CN', '提醒：移机单 {orderId} 将于 {from} 至 {until} 上门。'),
  ('move.reminder', 'en', 'Reminder: move {orderId}, visit between {from} and {until}.'),
  ('move.running-late', 'zh-CN', '移机单 {orderId}：装维人员将晚到，最迟 {until}。'),
  ('move.running-late', 'en', 'Move {orderId}: the technician is running late, until {until} at the latest.'),
  ('move.window-missed', 'zh-CN', '移机单 {orderId}：未能在预约时段上门，非常抱歉。'),
  ('move.window-missed', 'en', 'Move {orderId}: we missed the booked window, sorry.'),
  ('repair.another-visit', 'zh-CN', '障碍单 {ticketId}：需要再次上门，我们会与您预约。'),
  ('repair.another-visit', 'en', 'Ticket {ticketId}: another visit is needed; we will book it with you.'),
  ('repair.delayed', 'zh-CN', '障碍单 {ticketId} 处理延误，我们正在加急。'),
  ('repair.delayed', 'en', 'Ticket {ticketId} is delayed; we are expediting it.'),
  ('repair.dispatched', 'zh-CN', '障碍单 {ticketId}：装维人员 {technician}（{technicianPhone}）已出发。'),
  ('repair.dispatched', 'en', 'Ticket {ticketId}: {technician} ({technicianPhone}) is on the way.'),
  ('repair.done', 'zh-CN', '障碍单 {ticketId} 已修复。'),
  ('repair.done', 'en', 'Ticket {ticketId}: the fault is repaired.'),
  ('repair.failed', 'zh-CN', '障碍单 {ticketId} 暂未修复，我们会继续处理。'),
  ('repair.failed', 'en', 'Ticket {ticketId}: not repaired yet; we are still on it.'),
  ('repair.received', 'zh-CN', '障碍单 {ticketId} 已受理，工单 {workOrderId}。'),
  ('repair.received', 'en', 'Ticket {ticketId} received, work order {workOrderId}.'),
  ('repair.repeat-fault', 'zh-CN', '障碍单 {ticketId}：同一线路再次故障，已优先处理。'),
  ('repair.repeat-fault', 'en', 'Ticket {ticketId}: a repeated fault, handled with priority.'),
  ('repair.running-late', 'zh-CN', '障碍单 {ticketId}：装维人员将晚到。'),
  ('repair.running-late', 'en', 'Ticket {ticketId}: the technician is running late.'),
  ('sp.confirm.done', 'zh-CN', '您已成功订购 {product}。'),
  ('sp.confirm.done', 'en', 'You are now subscribed to {product}.'),
  ('sp.confirm.request', 'zh-CN', '您正在订购 {product}，月费 {fee}。确认请回复"是"，24 小时内未回复将不订购、不收费。'),
  ('sp.confirm.request', 'en', 'You are subscribing to {product} at {fee} a month. Reply Y to confirm; no reply in 24 h means no subscription and no charge.'),
  ('sp.subscription.cancelled', 'zh-CN', '您的订购已取消，投诉 {complaintId}。'),
  ('sp.subscription.cancelled', 'en', 'Your subscription was cancelled (complaint {complaintId}).'),
  ('survey.request', 'zh-CN', '请为本次{subject}服务打分（1-5），回复数字即可。单号 {reference}。'),
  ('survey.request', 'en', 'Please rate our {subject} service from 1 to 5 by replying with a number. Ref {reference}.'),
  ('survey.thanks', 'zh-CN', '感谢您的评价（单号 {reference}）。'),
  ('survey.thanks', 'en', 'Thank you for your rating (ref {reference}).'),
  ('sms.unmatched', 'zh-CN', '您的短信已收到，但当前没有需要您确认的业务。如有疑问请拨打 10000。'),
  ('sms.unmatched', 'en', 'We received your message, but nothing is waiting for your reply. Call 10000 if you need help.');

-- Down Migration
DELETE FROM notification_templates;
DELETE FROM billing_subscriptions WHERE subscription_id = 'SUB-DEMO';
DELETE FROM billing_accounts WHERE account_id IN ('AC-1', 'AC-2', 'AC-3');
DELETE FROM complaints_time_limits;
DELETE FROM complaints_staff;
DELETE FROM dispatch_exchanges;
DELETE FROM dispatch_numbers;
DELETE FROM dispatch_technicians;
DELETE FROM dispatch_windows;
DELETE FROM dispatch_areas;
DELETE FROM billing_sp_products;
DELETE FROM billing_products;
DELETE FROM billing_plans;
